/**
 * CF7 file links and uploads as an attacker sends them, against the relay over real HTTP: links
 * to this machine and to private ranges (an "internal service" on 127.0.0.1 counts every hit),
 * DNS rebinding, slow links that must not hold the portal's lane, executables named like text,
 * and broken percent-encoding.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { openBullOutbox } from '../../src/outbox/bullmq.ts'
import { isPublicAddress } from '../../src/security/link-address.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startRig, type Rig } from './extras-rig.ts'

const PDF = Buffer.from('%PDF-1.4\n% a test document\n')
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(126), Buffer.from('PE\0\0'), Buffer.alloc(64)])
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)])

async function listen (handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server, port: number }> {
  const server = createServer(handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return { server, port: (server.address() as AddressInfo).port }
}

const close = async (server: Server): Promise<void> => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
}

type Part = { name: string, value?: string, file?: { filename: string, type: string, bytes: Buffer } }

function multipart (parts: Part[]): { body: Buffer, type: string } {
  const boundary = 'fileLinksBoundary'
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition = `Content-Disposition: form-data; name="${p.name}"`
    const head = p.file === undefined
      ? `--${boundary}\r\n${disposition}\r\n\r\n`
      : `--${boundary}\r\n${disposition}; filename="${p.file.filename}"\r\nContent-Type: ${p.file.type}\r\n\r\n`
    chunks.push(Buffer.from(head, 'utf8'), p.file?.bytes ?? Buffer.from(p.value ?? '', 'utf8'), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

const linkForm = (extra: Record<string, unknown> = {}, form: Record<string, unknown> = {}): Record<string, unknown> => ({
  portal: 'default',
  fields: { 'your-name': 'NAME' },
  ...form,
  files: { types: ['.pdf', '.txt'], maxFiles: 10, fields: ['your-file'], download: true, downloadTimeoutMs: 3000, ...extra }
})

/** A link server that sends one byte per second until the test releases it (then at once); counts open connections. */
interface SlowSite { server: Server, port: number, open: number, max: number, release: () => void, hold: () => void }

async function slowSite (): Promise<SlowSite> {
  let released = false
  const waiting = new Set<() => void>()
  const state: SlowSite = {
    server: undefined as unknown as Server,
    port: 0,
    open: 0,
    max: 0,
    release: () => { released = true; for (const finish of [...waiting]) finish() },
    hold: () => { released = false; state.max = 0 }
  }
  const { server, port } = await listen((req, res) => {
    state.open++
    state.max = Math.max(state.max, state.open)
    req.socket.once('close', () => { state.open-- })
    res.writeHead(200, { 'content-type': 'application/pdf' })
    let sent = 0
    let timer: NodeJS.Timeout | undefined
    const finish = (): void => { clearInterval(timer); waiting.delete(finish); res.end(PDF.subarray(sent)) }
    if (released) { finish(); return }
    // Bounded: at most PDF.length bytes, one a second, then the response ends.
    timer = setInterval(() => {
      if (sent >= PDF.length - 1) { finish(); return }
      res.write(PDF.subarray(sent, sent + 1))
      sent++
    }, 1000)
    waiting.add(finish)
    res.once('close', () => { clearInterval(timer); waiting.delete(finish) })
  })
  state.server = server
  state.port = port
  return state
}

/** Five slow links, then a later lead of the same portal: it is delivered while the links trickle; then they complete. */
async function slowScenario (rig: Rig, slow: SlowSite, slowForm: string, plainForm: string): Promise<void> {
  const links = [1, 2, 3, 4, 5].map(i => `http://127.0.0.1:${slow.port}/slow${i}.pdf`).join(' ')
  const held = await rig.post(slowForm, { 'your-name': 'Slow', 'your-file': links })
  // Four fetches at once (delivery.fileDownloads), the fifth queued: the pool is full.
  await waitFor(() => slow.open === 4, { timeoutMs: 15_000, what: 'four slow downloads open' })
  const later = await rig.post(plainForm, { name: 'Later' })
  const laterRec = await rig.settled(later, 15_000)
  expect(laterRec.status).toBe('delivered')
  // The slow submission is still leased, its links still trickling: nothing waited for them.
  expect((await rig.outbox.get(held))?.status).toBe('leased')
  expect(slow.open).toBe(4)
  // The links complete: the waiting submission is taken back by the lane and gets all five files.
  slow.release()
  const heldRec = await rig.settled(held, 20_000)
  expect(heldRec.status).toBe('delivered')
  expect(heldRec.attempts).toBe(1)
  expect(rig.emulator.files().map(f => f.name)).toEqual(['slow1.pdf', 'slow2.pdf', 'slow3.pdf', 'slow4.pdf', 'slow5.pdf'])
  expect(rig.emulator.files().every(f => Buffer.from(f.content, 'base64').equals(PDF))).toBe(true)
  expect(slow.max).toBe(4)
  slow.hold()
}

const logsOf = (rig: Rig, id: string): Array<Record<string, unknown>> =>
  rig.logs.filter(l => l.includes(id)).map(l => JSON.parse(l) as Record<string, unknown>)

describe('file links: only public addresses, the lane never waits, content checked', () => {
  let rig: Rig
  /** The internal service: anything that reaches it is a hole. */
  let internal: { server: Server, port: number }
  let internalHits = 0
  let slow: SlowSite
  /** Serves an executable under a text name. */
  let site: { server: Server, port: number }
  let fullConfig: RelayConfig

  beforeAll(async () => {
    internal = await listen((_req, res) => { internalHits++; res.writeHead(200, { 'content-type': 'application/pdf' }); res.end(PDF) })
    slow = await slowSite()
    site = await listen((req, res) => {
      if (req.url === '/invoice.txt') { res.writeHead(200, { 'content-type': 'text/plain' }); res.end(EXE); return }
      res.writeHead(200, { 'content-type': 'text/plain' }); res.end('plain text\n')
    })
    rig = await startRig({
      emulator: { userFields: [{ name: 'UF_CRM_DOCS', type: 'file', multiple: true }] },
      config: (emu) => (fullConfig = buildConfig({
        forms: {
          links: linkForm(),
          optIn: linkForm({ allowPrivateAddresses: true }),
          hosts: linkForm({ allowPrivateAddresses: true, allowHosts: ['files.example.com', '*.cdn.example.com'] }),
          slow: linkForm({ allowPrivateAddresses: true, minBytesPerSecond: 0, downloadTimeoutMs: 60_000 }, { language: 'en' }),
          slowRate: linkForm({ allowPrivateAddresses: true, minBytesPerSecond: 1024, slowGraceMs: 500, downloadTimeoutMs: 60_000 }),
          budget: linkForm({ allowPrivateAddresses: true, minBytesPerSecond: 0, downloadTimeoutMs: 60_000, downloadBudgetMs: 800 }),
          upload: linkForm({ allowPrivateAddresses: true }),
          field: linkForm({ target: 'UF_CRM_DOCS' }),
          plain: { portal: 'default', fields: { name: 'NAME' } },
          timeline: { portal: 'default', fields: { 'your-name': 'NAME' }, timeline: true }
        }
      }, { B24_WEBHOOK_URL: emu.webhookUrl }))
    })
  })
  afterAll(async () => {
    slow.release()
    await rig.close()
    await Promise.all([close(internal.server), close(slow.server), close(site.server)])
  })
  beforeEach(() => { rig.emulator.reset() })

  const commentOf = (leadId: number): string => rig.emulator.comments().find(c => c.ENTITY_ID === leadId)?.COMMENT as string ?? ''

  it('never connects to this machine or a private range without the opt-in; the lead arrives with one neutral note per link', async () => {
    const p = internal.port
    const links = [
      `http://127.0.0.1:${p}/a1.pdf`, `http://[::1]:${p}/a2.pdf`, `http://0.0.0.0:${p}/a3.pdf`, `http://2130706433:${p}/a4.pdf`,
      `http://0x7f.1:${p}/a5.pdf`, `http://[::ffff:127.0.0.1]:${p}/a6.pdf`, `http://localhost:${p}/a7.pdf`, 'http://169.254.169.254/a8.pdf',
      `http://[::7f00:1]:${p}/a9.pdf`, `http://100.64.0.1:${p}/a10.pdf`
    ]
    const id = await rig.post('links', { 'your-name': 'Mallory', 'your-file': links.join(' ') })
    const rec = await rig.settled(id, 20_000)
    expect(rec.status).toBe('delivered')
    expect(internalHits).toBe(0)
    expect(rig.emulator.files()).toHaveLength(0)
    const lines = commentOf(rec.leadId as number).split('\n')
    expect(lines.slice(-10)).toEqual(links.map((_, i) => `a${i + 1}.pdf: не удалось получить`))
    // The reasons are the operator's: in the log, each link refused before any connection.
    const refused = logsOf(rig, id).filter(l => l.msg === 'file link not attached')
    expect(refused.map(l => l.code)).toEqual(links.map(() => 'RELAY_ERR_LINK_REFUSED'))
  })

  it('with a file field as target, an upload goes to the field and a refused link is named in a comment with the neutral note', async () => {
    const id = await rig.post('field', {
      'your-name': 'F', doc: { filename: 'a.pdf', content: PDF.toString('base64') }, 'your-file': `http://127.0.0.1:${internal.port}/x.pdf`
    })
    const rec = await rig.settled(id)
    expect(rec.status).toBe('delivered')
    expect(internalHits).toBe(0)
    expect((rig.emulator.lead(rec.leadId as number)!.fields.UF_CRM_DOCS as unknown[]).length).toBe(1)
    expect(rig.emulator.files().map(f => f.name)).toEqual(['a.pdf'])
    expect(commentOf(rec.leadId as number).split('\n').at(-1)).toBe('x.pdf: не удалось получить')
  })

  it('a reload that turns allowPrivateAddresses off holds for submissions already queued', async () => {
    await rig.worker.stop()
    const id = await rig.post('optIn', { 'your-name': 'Queued', 'your-file': `http://127.0.0.1:${internal.port}/q.pdf` })
    const tightened = buildConfig({ forms: { optIn: linkForm() } }, { B24_WEBHOOK_URL: rig.emulator.webhookUrl })
    rig.setConfig(tightened)
    rig.worker.start()
    const rec = await rig.settled(id)
    expect(rec.status).toBe('delivered')
    expect(internalHits).toBe(0)
    expect(logsOf(rig, id).find(l => l.msg === 'file link not attached')).toMatchObject({ code: 'RELAY_ERR_LINK_REFUSED' })
    rig.setConfig(fullConfig)
  })

  it('with allowPrivateAddresses the same link is fetched (the opt-in the tests use); allowHosts refuses other hosts', async () => {
    const id = await rig.post('optIn', { 'your-name': 'Ops', 'your-file': `http://127.0.0.1:${internal.port}/ok.pdf` })
    expect((await rig.settled(id)).status).toBe('delivered')
    expect(internalHits).toBe(1)
    expect(rig.emulator.files().map(f => f.name)).toEqual(['ok.pdf'])
    internalHits = 0
    const p = internal.port
    const other = await rig.post('hosts', { 'your-name': 'H', 'your-file': `http://127.0.0.1:${p}/no.pdf http://localhost:${p}/no2.pdf` })
    const rec = await rig.settled(other)
    expect(internalHits).toBe(0)
    expect(commentOf(rec.leadId as number)).toContain('no2.pdf: не удалось получить')
    expect(logsOf(rig, other).filter(l => l.msg === 'file link not attached').map(l => String(l.reason))).toEqual([
      'host 127.0.0.1 is not in files.allowHosts', 'host localhost is not in files.allowHosts'])
  })

  it('five slow links do not hold the portal: later leads are delivered while they are fetched, in a bounded pool', async () => {
    await slowScenario(rig, slow, 'slow', 'plain')
    // A later rich lead (with files, a timeline…) is not held either.
    slow.hold()
    const held = await rig.post('slow', { 'your-name': 'Slow 2', 'your-file': `http://127.0.0.1:${slow.port}/s.pdf` })
    await waitFor(() => slow.open === 1, { timeoutMs: 15_000, what: 'one slow download open' })
    const laterRich = await rig.post('timeline', { 'your-name': 'Rich later' })
    expect((await rig.settled(laterRich, 15_000)).status).toBe('delivered')
    expect((await rig.outbox.get(held))?.status).toBe('leased')
    slow.release()
    expect((await rig.settled(held, 20_000)).status).toBe('delivered')
    slow.hold()
  })

  it('a link under minBytesPerSecond is dropped after the grace period; past its budget a submission goes on without links', async () => {
    const rate = await rig.post('slowRate', { 'your-name': 'R', 'your-file': `http://127.0.0.1:${slow.port}/r.pdf` })
    const rateRec = await rig.settled(rate, 20_000)
    expect(rateRec.status).toBe('delivered')
    expect(commentOf(rateRec.leadId as number)).toContain('r.pdf: не удалось получить')
    expect(logsOf(rig, rate).find(l => l.msg === 'file link not attached'))
      .toMatchObject({ code: 'RELAY_ERR_LINK_FAILED', reason: 'slower than 1024 bytes/s after 500 ms' })
    const s = `http://127.0.0.1:${slow.port}`
    const budget = await rig.post('budget', { 'your-name': 'B', 'your-file': `${s}/b1.pdf ${s}/b2.pdf` })
    const budgetRec = await rig.settled(budget, 20_000)
    expect(budgetRec.status).toBe('delivered')
    expect(commentOf(budgetRec.leadId as number).split('\n').slice(-2))
      .toEqual(['b1.pdf: не удалось получить', 'b2.pdf: не удалось получить'])
    expect(logsOf(rig, budget).filter(l => l.msg === 'file link not attached').map(l => l.code))
      .toEqual(['RELAY_ERR_LINK_BUDGET', 'RELAY_ERR_LINK_BUDGET'])
    expect(rig.emulator.files()).toHaveLength(0)
  })

  it('an executable named invoice.txt is refused at intake (multipart and CF7 base64) and not attached from a link', async () => {
    const exe = { filename: 'invoice.txt', type: 'text/plain', bytes: EXE }
    const { body, type } = multipart([{ name: 'your-name', value: 'X' }, { name: 'doc', file: exe }])
    const up = await fetch(`${rig.baseUrl}/f/upload`, {
      method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type, accept: 'application/json' }
    })
    expect([up.status, up.headers.get('x-relay-error')]).toEqual([415, 'RELAY_ERR_FILE_CONTENT'])
    const b64 = await fetch(`${rig.baseUrl}/f/upload`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ 'your-name': 'X', doc: { filename: 'invoice.txt', content: ELF.toString('base64') } })
    })
    expect([b64.status, b64.headers.get('x-relay-error')]).toEqual([415, 'RELAY_ERR_FILE_CONTENT'])
    // Text without magic bytes stays welcome, and so does a real PDF.
    const ok = await rig.post('upload', {
      'your-name': 'Y',
      doc: { filename: 'note.txt', content: Buffer.from('Добрый день').toString('base64') },
      pdf: { filename: 'a.pdf', content: PDF.toString('base64') } })
    expect((await rig.settled(ok)).status).toBe('delivered')
    expect(rig.emulator.files().map(f => f.name)).toEqual(['note.txt', 'a.pdf'])
    rig.emulator.reset()
    const link = await rig.post('upload', { 'your-name': 'Z', 'your-file': `http://127.0.0.1:${site.port}/invoice.txt` })
    const rec = await rig.settled(link)
    expect(rec.status).toBe('delivered')
    expect(rig.emulator.files()).toHaveLength(0)
    expect(commentOf(rec.leadId as number)).toContain('invoice.txt: не удалось получить')
    expect(logsOf(rig, link).find(l => l.msg === 'file link not attached')).toMatchObject({ code: 'RELAY_ERR_LINK_CONTENT' })
  })

  it('a broken percent escape in a file link answers 400, never 5xx', async () => {
    for (const bad of ['%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80']) {
      const json = await fetch(`${rig.baseUrl}/f/links`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ 'your-name': 'P', 'your-file': `https://files.example.com/uploads/${bad}.pdf` })
      })
      expect([bad, json.status, json.headers.get('x-relay-error')]).toEqual([bad, 400, 'RELAY_ERR_MALFORMED_FILE_LINK'])
      const form = await fetch(`${rig.baseUrl}/f/links`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: `your-name=P&your-file=${encodeURIComponent(`https://files.example.com/${bad}.txt`)}`
      })
      expect([bad, form.status]).toEqual([bad, 400])
    }
    expect(rig.emulator.leads()).toHaveLength(0)
  })
})

describe('file links in Redis mode', () => {
  let rig: Rig
  let slow: SlowSite
  const { keyPrefix } = randomPrefix('files')
  beforeAll(async () => {
    slow = await slowSite()
    const outbox = await openBullOutbox({ url: SHARED_REDIS_URL, durability: 'relaxed', keyPrefix, stalledCheckMs: 1000 })
    rig = await startRig({
      outbox,
      config: (emu) => buildConfig({
        forms: {
          slow: linkForm({ allowPrivateAddresses: true, minBytesPerSecond: 0, downloadTimeoutMs: 60_000 }),
          plain: { portal: 'default', fields: { name: 'NAME' } }
        }
      }, { B24_WEBHOOK_URL: emu.webhookUrl })
    })
  })
  afterAll(async () => {
    slow.release()
    await rig.close()
    await close(slow.server)
    await deletePrefix(SHARED_REDIS_URL, keyPrefix)
  })

  it('a waiting submission keeps its lease and does not hold the lane', async () => {
    await slowScenario(rig, slow, 'slow', 'plain')
  })
})

describe('file links: DNS rebinding', () => {
  let rig: Rig
  let site: { server: Server, port: number }
  let siteHits = 0
  let target: { server: Server, port: number }
  let targetHits = 0
  const asked = new Map<string, number>()
  beforeAll(async () => {
    target = await listen((_req, res) => { targetHits++; res.writeHead(200, { 'content-type': 'application/pdf' }); res.end(PDF) })
    site = await listen((req, res) => {
      siteHits++
      if (req.url === '/moved.pdf') { res.writeHead(302, { location: `http://127.0.0.1:${target.port}/x.pdf` }); res.end(); return }
      res.writeHead(200, { 'content-type': 'application/pdf' })
      res.end(PDF)
    })
    rig = await startRig({
      // Here 127.0.0.1 plays a public server; everything else is judged by the real policy.
      linkFetch: {
        isPublic: (address) => address === '127.0.0.1' || isPublicAddress(address),
        resolve: async (hostname) => {
          const n = (asked.get(hostname) ?? 0) + 1
          asked.set(hostname, n)
          // files.rebind.test answers "public" once, then a private address: a check-then-connect would be swapped.
          if (hostname === 'files.rebind.test') return [{ address: n === 1 ? '127.0.0.1' : '192.168.0.10', family: 4 }]
          if (hostname === 'evil.rebind.test') return [{ address: '10.0.0.7', family: 4 }, { address: '169.254.169.254', family: 4 }]
          if (hostname === 'mixed.rebind.test') return [{ address: '192.168.1.1', family: 4 }, { address: '127.0.0.1', family: 4 }]
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' })
        }
      },
      config: (emu) => buildConfig({ forms: { links: linkForm() } }, { B24_WEBHOOK_URL: emu.webhookUrl })
    })
  })
  afterAll(async () => {
    await rig.close()
    await Promise.all([close(site.server), close(target.server)])
  })

  it('connects to the address that was checked: one lookup per link, the answer checked is the one used', async () => {
    const p = site.port
    const links = [`http://files.rebind.test:${p}/ok.pdf`, `http://evil.rebind.test:${p}/no.pdf`, `http://mixed.rebind.test:${p}/m.pdf`]
    const id = await rig.post('links', { 'your-name': 'R', 'your-file': links.join(' ') })
    const rec = await rig.settled(id, 15_000)
    expect(rec.status).toBe('delivered')
    expect(asked.get('files.rebind.test')).toBe(1)
    // ok.pdf from the checked address, m.pdf from the only public one of its answers; no.pdf had none.
    expect(rig.emulator.files().map(f => f.name)).toEqual(['ok.pdf', 'm.pdf'])
    expect(rig.emulator.files().every(f => Buffer.from(f.content, 'base64').equals(PDF))).toBe(true)
    expect(siteHits).toBe(2)
    expect(logsOf(rig, id).find(l => l.msg === 'file link not attached')).toMatchObject({ code: 'RELAY_ERR_LINK_REFUSED', file: 'no.pdf' })
  })

  it('does not follow redirects: a 302 from an allowed server is not attached, its target never asked', async () => {
    rig.emulator.reset()
    const id = await rig.post('links', { 'your-name': 'M', 'your-file': `http://127.0.0.1:${site.port}/moved.pdf` })
    const rec = await rig.settled(id, 15_000)
    expect(rec.status).toBe('delivered')
    expect(targetHits).toBe(0)
    expect(rig.emulator.files()).toHaveLength(0)
    expect(logsOf(rig, id).find(l => l.msg === 'file link not attached')).toMatchObject({ code: 'RELAY_ERR_LINK_FAILED', reason: 'HTTP 302' })
  })
})
