/**
 * Rate limits: per client address and per form, 429 RELAY_ERR_RATE_LIMITED with Retry-After;
 * X-Forwarded-For believed only from TRUST_PROXY; loopback exempt only when not proxied; a limit
 * set to false is off; with Redis the counters are shared by several relay instances.
 */
import { randomInt } from 'node:crypto'
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSecureApp, FORM, type SecureApp } from './helpers.ts'

const post = async (
  t: SecureApp,
  formId: string,
  opts: { ip?: string, xff?: string, headers?: Record<string, string> } = {}
) => t.app.inject({
  method: 'POST',
  url: `/f/${formId}`,
  remoteAddress: opts.ip ?? '203.0.113.10',
  headers: {
    'content-type': FORM,
    accept: 'application/json',
    ...(opts.xff !== undefined ? { 'x-forwarded-for': opts.xff } : {}),
    ...opts.headers
  },
  payload: `name=Anna&n=${randomInt(1e9)}`
})

const FORMS = {
  a: { portal: 'default', fields: { name: 'NAME' } },
  b: { portal: 'default', fields: { name: 'NAME' } },
  busy: { portal: 'default', fields: { name: 'NAME' }, rateLimit: { perIp: false, perForm: { max: 4, timeWindow: 60_000 } } },
  cf7: { portal: 'default', fields: { name: 'NAME' }, secret: 'cf7-shared-secret-0123456789' }
}

describe('rate limits per address and per form', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({
      forms: FORMS,
      rateLimit: { perIp: { max: 3, timeWindow: 60_000 }, perForm: { max: 100, timeWindow: 60_000 }, allowList: ['127.0.0.1', '::1'] }
    })
  })
  afterAll(async () => t.close())

  it('answers 429 RELAY_ERR_RATE_LIMITED with Retry-After once an address has used its allowance, across forms', async () => {
    const ip = '203.0.113.21'
    expect((await post(t, 'a', { ip })).statusCode).toBe(202)
    expect((await post(t, 'b', { ip })).statusCode).toBe(202)
    expect((await post(t, 'a', { ip })).statusCode).toBe(202)
    const res = await post(t, 'b', { ip })
    expect(res.statusCode).toBe(429)
    expect(res.json().error.code).toBe('RELAY_ERR_RATE_LIMITED')
    expect(res.headers['x-relay-error']).toBe('RELAY_ERR_RATE_LIMITED')
    const retryAfter = Number(res.headers['retry-after'])
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    // Another address is not affected.
    expect((await post(t, 'a', { ip: '203.0.113.22' })).statusCode).toBe(202)
  })

  it('counts posts to unknown forms against the address too', async () => {
    const ip = '203.0.113.23'
    for (let i = 0; i < 3; i++) expect((await post(t, 'nope', { ip })).statusCode).toBe(404)
    expect((await post(t, 'a', { ip })).statusCode).toBe(429)
  })

  it('counts a form across all addresses (per-form override): past the limit submissions are held, never refused', async () => {
    const answers = []
    for (let i = 0; i < 6; i++) answers.push(await post(t, 'busy', { ip: `198.51.100.${i + 1}` }))
    expect(answers.map(r => r.statusCode)).toEqual([202, 202, 202, 202, 202, 202])
    const statuses = await Promise.all(answers.map(async r => (await t.outbox.get(r.json<{ id: string }>().id))?.status))
    expect(statuses).toEqual(['pending', 'pending', 'pending', 'pending', 'held', 'held'])
  })

  it('does not believe X-Forwarded-For from an untrusted peer: spoofing it does not reset the allowance', async () => {
    const ip = '203.0.113.30'
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await post(t, 'a', { ip, xff: `192.0.2.${i + 1}` })).statusCode)
    expect(codes).toEqual([202, 202, 202, 429])
  })

  it('exempts loopback clients that connect directly, but not loopback traffic that came through a proxy', async () => {
    for (let i = 0; i < 5; i++) expect((await post(t, 'a', { ip: '127.0.0.1' })).statusCode).toBe(202)
    const proxied = []
    for (let i = 0; i < 8; i++) proxied.push((await post(t, 'b', { ip: '127.0.0.1', xff: '192.0.2.99' })).statusCode)
    expect(proxied.slice(0, 3)).toEqual([202, 202, 202])
    expect(proxied).toContain(429)
  })

  it('does not count a server-to-server sender holding the form secret against its address (a CF7 site posts for all its ' +
    'visitors)', async () => {
    const ip = '203.0.113.40'
    for (let i = 0; i < 6; i++) {
      expect((await post(t, 'cf7', { ip, headers: { 'x-relay-secret': 'cf7-shared-secret-0123456789' } })).statusCode).toBe(202)
    }
    // The same address without the secret is limited (and refused as unauthenticated before that).
    const codes = []
    for (let i = 0; i < 4; i++) codes.push((await post(t, 'a', { ip })).statusCode)
    expect(codes).toEqual([202, 202, 202, 429])
  })
})

describe('rate limits behind a trusted proxy', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({ forms: FORMS, rateLimit: { perIp: { max: 2, timeWindow: 60_000 } } }, { trustProxy: ['10.0.0.1'] })
  })
  afterAll(async () => t.close())

  it('counts each visitor named by the trusted proxy separately', async () => {
    const one = []; const two = []
    for (let i = 0; i < 3; i++) one.push((await post(t, 'a', { ip: '10.0.0.1', xff: '192.0.2.1' })).statusCode)
    for (let i = 0; i < 3; i++) two.push((await post(t, 'a', { ip: '10.0.0.1', xff: '192.0.2.2' })).statusCode)
    expect(one).toEqual([202, 202, 429])
    expect(two).toEqual([202, 202, 429])
  })
})

describe('a proxy that TRUST_PROXY does not name', () => {
  it('is logged once: every visitor would share the proxy\'s allowance', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line) } })
    const t = await buildSecureApp({ forms: FORMS }, { logger })
    try {
      await post(t, 'a', { ip: '127.0.0.1', xff: '192.0.2.7' })
      await post(t, 'a', { ip: '127.0.0.1', xff: '192.0.2.8' })
      await post(t, 'a', { ip: '127.0.0.1' })
      expect(lines.filter(l => l.includes('TRUST_PROXY'))).toHaveLength(1)
    } finally {
      await t.close()
    }
  })
})

describe('rate limits switched off', () => {
  it('never answers 429 when both limits are false', async () => {
    const t = await buildSecureApp({ forms: FORMS, rateLimit: { perIp: false, perForm: false, allowList: [] } })
    try {
      for (let i = 0; i < 40; i++) expect((await post(t, 'a', { ip: '203.0.113.50' })).statusCode).toBe(202)
    } finally {
      await t.close()
    }
  })

  it('limits by default: 20 per address per minute', async () => {
    const t = await buildSecureApp({ forms: FORMS })
    try {
      const codes = []
      for (let i = 0; i < 21; i++) codes.push((await post(t, 'a', { ip: '203.0.113.51' })).statusCode)
      expect(codes.filter(c => c === 202)).toHaveLength(20)
      expect(codes[20]).toBe(429)
    } finally {
      await t.close()
    }
  })
})

describe('rate limits in Redis, shared by two relay instances', () => {
  let redis: Redis
  let a: SecureApp
  let b: SecureApp
  const formId = `shared-${randomInt(1e9)}`
  const ip = `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    const raw = {
      forms: { [formId]: { portal: 'default', fields: { name: 'NAME' } } },
      rateLimit: { perIp: { max: 3, timeWindow: 30_000 }, perForm: { max: 5, timeWindow: 30_000 } }
    }
    a = await buildSecureApp(raw, { redis })
    b = await buildSecureApp(raw, { redis })
  })
  afterAll(async () => {
    await a.close()
    await b.close()
    const keys = await redis.keys(`relay:rl:*${formId}*`)
    const ipKeys = await redis.keys(`relay:rl:*ip:${ip}`)
    if (keys.length + ipKeys.length > 0) await redis.del(...keys, ...ipKeys)
    redis.disconnect()
  })

  it('an address limited on one instance is limited on the other', async () => {
    const codes = [
      (await post(a, formId, { ip })).statusCode,
      (await post(b, formId, { ip })).statusCode,
      (await post(a, formId, { ip })).statusCode,
      (await post(b, formId, { ip })).statusCode
    ]
    expect(codes).toEqual([202, 202, 202, 429])
    expect(await redis.keys(`relay:rl:*ip:${ip}`)).toHaveLength(1)
  })

  it('a form over its limit on one instance is over it on the other (held there, not refused)', async () => {
    const held = []
    // Two posts already counted above (202s: 3, and the 429 stopped at the address check).
    for (let i = 0; i < 3; i++) {
      const t = i % 2 === 0 ? a : b
      const res = await post(t, formId, { ip: `10.200.${randomInt(256)}.${i + 1}` })
      expect(res.statusCode).toBe(202)
      held.push((await t.outbox.get(res.json<{ id: string }>().id))?.status)
    }
    expect(held).toEqual(['pending', 'pending', 'held'])
  })
})
