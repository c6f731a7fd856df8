import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { createBitrixClient } from '../../src/bitrix/client.ts'
import { BitrixError, BitrixUsageError } from '../../src/bitrix/errors.ts'
import { SECRET, TIME, sendJson, trackedPortals } from './fake-portal.ts'

const { portal, client } = trackedPortals()

async function failure (promise: Promise<unknown>): Promise<BitrixError> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(BitrixError)
    const e = err as BitrixError
    // Whatever went wrong, the webhook code never shows up in what gets logged.
    expect(e.message).not.toContain(SECRET)
    expect(JSON.stringify(e)).not.toContain(SECRET)
    return e
  }
  throw new Error('expected a BitrixError, the call succeeded')
}

/** A port with nothing listening on it. */
async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

describe('call / addLead', () => {
  it('POSTs JSON to <webhook><method> and returns the new lead id', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 3465, time: TIME }))
    const c = client({ webhook: p.webhook, userAgent: 'relay-test/1' })
    const id = await c.addLead(
      { TITLE: 'Site form', NAME: 'Ann', PHONE: [{ VALUE: '+15550100', VALUE_TYPE: 'WORK' }] },
      { registerSonetEvent: true }
    )
    expect(id).toBe(3465)
    expect(p.requests).toHaveLength(1)
    const req = p.requests[0]!
    expect(req.method).toBe('POST')
    expect(req.path).toBe(`/rest/1/${SECRET}/crm.lead.add`)
    expect(req.headers['content-type']).toBe('application/json')
    expect(req.headers.accept).toBe('application/json')
    expect(req.headers['user-agent']).toBe('relay-test/1')
    expect(req.json).toEqual({
      fields: { TITLE: 'Site form', NAME: 'Ann', PHONE: [{ VALUE: '+15550100', VALUE_TYPE: 'WORK' }] },
      params: { REGISTER_SONET_EVENT: 'Y' }
    })
  })

  it('sends REGISTER_SONET_EVENT as "N", or not at all when unset', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 1 }))
    const c = client({ webhook: p.webhook })
    await c.addLead({ TITLE: 'x' }, { registerSonetEvent: false })
    await c.addLead({ TITLE: 'x' })
    expect(p.requests[0]!.json.params).toEqual({ REGISTER_SONET_EVENT: 'N' })
    expect(p.requests[1]!.json).toEqual({ fields: { TITLE: 'x' } })
  })

  it('adds the trailing slash to the webhook and accepts a numeric-string id', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: '3466', time: { start: 1 } }))
    const c = client({ webhook: p.webhook.slice(0, -1) })
    expect(await c.addLead({ TITLE: 'x' })).toBe(3466)
    expect(p.requests[0]!.path).toBe(`/rest/1/${SECRET}/crm.lead.add`)
  })

  it('returns total, next and time from call()', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: [{ ID: '1' }], total: 51, next: 50, time: TIME }))
    const reply = await client({ webhook: p.webhook }).call<Array<{ ID: string }>>('crm.lead.list', { select: ['ID'] })
    expect(reply.result).toEqual([{ ID: '1' }])
    expect(reply.total).toBe(51)
    expect(reply.next).toBe(50)
    expect(reply.time?.operating_reset_at).toBe(1705765533)
  })

  it('does not fail a success because its time object is odd', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 7, time: 'soon', total: 'many' }))
    const reply = await client({ webhook: p.webhook }).call('crm.lead.add', {})
    expect(reply).toEqual({ result: 7 })
  })

  it('reports an add whose result is not an id as a bad reply with unknown outcome', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: false }))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({
      kind: 'bad_reply',
      code: 'RELAY_ERR_B24_BAD_REPLY',
      outcomeUnknown: true,
      retryable: true,
      status: 200,
      method: 'crm.lead.add'
    })
  })

  it('throws a classified error for QUERY_LIMIT_EXCEEDED', async () => {
    const p = await portal((_req, res) => sendJson(res, 503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({
      kind: 'rate_limit',
      code: 'RELAY_ERR_B24_RATE_LIMIT',
      status: 503,
      retryable: true,
      outcomeUnknown: false,
      b24Error: 'QUERY_LIMIT_EXCEEDED',
      b24Description: 'Too many requests'
    })
  })

  it('carries resetAt for OPERATION_TIME_LIMIT', async () => {
    const p = await portal((_req, res) => sendJson(res, 429, {
      error: 'OPERATION_TIME_LIMIT',
      error_description: 'Method is blocked',
      time: { ...TIME, operating: 480.2 }
    }))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'operation_limit', resetAt: 1705765533000, retryable: true })
  })

  it('maps a revoked webhook to auth, without the secret in the message', async () => {
    const p = await portal((_req, res) => sendJson(res, 401, {
      error: 'INVALID_CREDENTIALS',
      error_description: 'Invalid request credentials'
    }))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'auth', code: 'RELAY_ERR_B24_AUTH', retryable: false, status: 401 })
  })

  it('maps a crm validation error (empty code) to validation', async () => {
    const p = await portal((_req, res) => sendJson(res, 400, { error: '', error_description: 'The field "Title" is required.<br />' }))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: '' }))
    expect(err).toMatchObject({
      kind: 'validation',
      retryable: false,
      outcomeUnknown: false,
      b24Error: '',
      b24Description: 'The field "Title" is required.<br />'
    })
  })

  it('reports malformed JSON on 200 as a bad reply that may have been executed', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, '{"result": 34'))
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'bad_reply', outcomeUnknown: true, retryable: true })
  })

  it('reports an HTML error page by its title, masking a URL it echoes', async () => {
    const p = await portal((req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' })
      res.end(`<html><head><title>502 Bad Gateway</title></head><body>upstream failed for ${req.path}</body></html>`)
    })
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'server', status: 502, outcomeUnknown: true, retryable: true })
    expect(err.message).toContain('502 Bad Gateway')
  })

  it('masks a secret echoed in a non-HTML error body', async () => {
    const p = await portal((req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end(`Not found: ${req.path}`)
    })
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'method_not_found', status: 404 })
    expect(err.message).toContain('/rest/1/***/crm.lead.add')
  })

  it('refuses a reply larger than maxBodyBytes', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 'x'.repeat(5000) }))
    const err = await failure(client({ webhook: p.webhook, maxBodyBytes: 1000 }).call('crm.lead.get', { id: 1 }))
    expect(err).toMatchObject({ kind: 'bad_reply', outcomeUnknown: true })
  })

  it('rejects bad method names and webhooks before sending anything', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 1 }))
    const c = client({ webhook: p.webhook })
    await expect(c.call('../../admin', {})).rejects.toBeInstanceOf(BitrixUsageError)
    expect(p.requests).toHaveLength(0)
    expect(() => createBitrixClient({ webhook: 'ftp://x/rest/1/abc/' })).toThrow(BitrixUsageError)
    expect(() => createBitrixClient({ webhook: 'not a url /rest/1/abc/' })).toThrow(/rest\/1\/\*\*\*/)
  })
})

describe('transport failures', () => {
  it('connection refused: network, retryable, surely not executed', async () => {
    const port = await closedPort()
    const err = await failure(client({ webhook: `http://127.0.0.1:${port}/rest/1/${SECRET}/` }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'network', code: 'RELAY_ERR_B24_NETWORK', retryable: true, outcomeUnknown: false })
    expect(err.status).toBeUndefined()
  })

  it('socket destroyed after the request arrived: network, outcome unknown', async () => {
    const p = await portal((_req, res) => { res.socket?.destroy() })
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'network', retryable: true, outcomeUnknown: true })
    expect(p.requests).toHaveLength(1)
  })

  it('socket destroyed in the middle of the body: network, outcome unknown', async () => {
    const p = await portal((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' })
      res.write('{"result": 12')
      setTimeout(() => res.socket?.destroy(), 20)
    })
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'network', outcomeUnknown: true, retryable: true })
  })

  it('no reply before the timeout: timeout, outcome unknown, and fast', async () => {
    const p = await portal(() => { /* never answers */ })
    const started = Date.now()
    const err = await failure(client({ webhook: p.webhook, timeoutMs: 200 }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'timeout', code: 'RELAY_ERR_B24_TIMEOUT', retryable: true, outcomeUnknown: true })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('a body trickled past the deadline also times out', async () => {
    const p = await portal((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"result":')
      const timer = setInterval(() => res.write(' '), 50)
      res.on('close', () => clearInterval(timer))
    })
    const started = Date.now()
    const err = await failure(client({ webhook: p.webhook, timeoutMs: 300 }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'timeout', outcomeUnknown: true })
    expect(Date.now() - started).toBeLessThan(2000)
  })
})

describe('portal moved (302)', () => {
  it('resends the same POST to Location, tells onMoved, then calls the new base directly', async () => {
    const target = await portal((_req, res) => sendJson(res, 200, { result: 99 }))
    const old = await portal((req, res) => {
      res.writeHead(302, { location: target.origin + req.path.replace('/rest/1/', '/rest/7/') })
      res.end('<html>moved</html>')
    })
    const moved: string[] = []
    const c = client({ webhook: old.webhook, onMoved: (b) => moved.push(b) })
    expect(await c.addLead({ TITLE: 'moved' }, { registerSonetEvent: true })).toBe(99)
    expect(old.requests).toHaveLength(1)
    expect(target.requests).toHaveLength(1)
    const resent = target.requests[0]!
    expect(resent.method).toBe('POST')
    expect(resent.path).toBe(`/rest/7/${SECRET}/crm.lead.add`)
    expect(resent.headers['content-type']).toBe('application/json')
    expect(resent.body).toBe(old.requests[0]!.body)
    expect(moved).toEqual([`${target.origin}/rest/7/${SECRET}/`])
    expect(c.describe()).toBe(`${target.origin}/rest/7/***/`)

    await c.addLead({ TITLE: 'again' })
    expect(old.requests).toHaveLength(1)
    expect(target.requests).toHaveLength(2)
    expect(moved).toHaveLength(1)
  })

  it('follows 307/308 and relative locations the same way', async () => {
    let hops = 0
    const p = await portal((req, res) => {
      if (req.path.startsWith('/old/')) {
        hops++
        res.writeHead(hops === 1 ? 307 : 308, { location: req.path.replace('/old/', '/') })
        res.end()
        return
      }
      sendJson(res, 200, { result: 5 })
    })
    const c = client({ webhook: `${p.origin}/old/rest/1/${SECRET}/` })
    expect(await c.addLead({ TITLE: 'x' })).toBe(5)
    expect(p.requests.map((r) => r.method)).toEqual(['POST', 'POST'])
    expect(p.requests[1]!.path).toBe(`/rest/1/${SECRET}/crm.lead.add`)
  })

  it('gives up after 3 hops with a moved error', async () => {
    const p = await portal((req, res) => {
      const n = Number(/\/hop(\d+)\//.exec(req.path)?.[1] ?? '0')
      res.writeHead(302, { location: `/hop${n + 1}/rest/1/${SECRET}/crm.lead.add` })
      res.end()
    })
    const moved: string[] = []
    const err = await failure(
      client({ webhook: `${p.origin}/hop0/rest/1/${SECRET}/`, onMoved: (b) => moved.push(b) }).addLead({ TITLE: 'x' })
    )
    expect(err).toMatchObject({ kind: 'moved', code: 'RELAY_ERR_B24_MOVED', retryable: false, outcomeUnknown: false, status: 302 })
    expect(err.location).toContain('/hop4/rest/1/***/')
    expect(p.requests).toHaveLength(4)
    expect(moved).toEqual([])
  })

  it('a 302 without Location is a moved error', async () => {
    const p = await portal((_req, res) => { res.writeHead(302); res.end() })
    const err = await failure(client({ webhook: p.webhook }).addLead({ TITLE: 'x' }))
    expect(err).toMatchObject({ kind: 'moved', status: 302 })
  })

  it('remembers the new base when the new portal answers with a REST error', async () => {
    const target = await portal((_req, res) => sendJson(res, 401, {
      error: 'INVALID_CREDENTIALS',
      error_description: 'Invalid request credentials'
    }))
    const old = await portal((req, res) => { res.writeHead(301, { location: target.origin + req.path }); res.end() })
    const moved: string[] = []
    const err = await failure(client({ webhook: old.webhook, onMoved: (b) => moved.push(b) }).addLead({ TITLE: 'x' }))
    expect(err.kind).toBe('auth')
    expect(moved).toEqual([target.webhook])
  })

  it('does not remember a redirect target that is not a portal', async () => {
    const target = await portal((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' })
      res.end('<html><title>Parked domain</title></html>')
    })
    const old = await portal((req, res) => { res.writeHead(302, { location: target.origin + req.path }); res.end() })
    const moved: string[] = []
    const c = client({ webhook: old.webhook, onMoved: (b) => moved.push(b) })
    const err = await failure(c.addLead({ TITLE: 'x' }))
    expect(err.kind).toBe('bad_reply')
    expect(moved).toEqual([])
    expect(c.describe()).toBe(`${old.origin}/rest/1/***/`)
  })

  it('a throwing onMoved does not fail the call', async () => {
    const target = await portal((_req, res) => sendJson(res, 200, { result: 3 }))
    const old = await portal((req, res) => { res.writeHead(302, { location: target.origin + req.path }); res.end() })
    const c = client({ webhook: old.webhook, onMoved: () => { throw new Error('listener broke') } })
    expect(await c.addLead({ TITLE: 'x' })).toBe(3)
  })
})
