/**
 * Property-based fuzzing of the intake over real HTTP, with a fixed seed and a bounded count
 * (FUZZ_RUNS per content type; `npm run fuzz` runs a longer one): hostile bodies of every content
 * type never get a 5xx, never crash the process, never pollute prototypes and leave memory bounded;
 * well-formed submissions in every body kind are accepted and go through the delivery worker to the
 * emulated portal, which must store exactly what the relay stored.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import fc from 'fast-check'
import pino from 'pino'
import { Pool } from 'undici'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { encodeLead, fitsWindows1251, hostileBodies, nastyString, wellFormedKind, wellFormedLead, type Body } from './bodies.ts'

const RUNS = Math.max(1, Number(process.env.FUZZ_RUNS ?? 300))
/** Keys Object.prototype has: as form ids, field names and query keys they must find nothing. */
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf',
  'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__']
/** Percent signs not followed by two hex digits, truncated UTF-8 sequences, overlong forms. */
const BROKEN_PERCENT = ['%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ZZ%', 'a%5', '%u0041', '%F0%9F%98', '%%41']
const SEED = Number(process.env.FUZZ_SEED ?? 20_241_129)
/** Hostile bodies run 4 content types × RUNS; time grows with FUZZ_RUNS. */
const TIMEOUT_MS = 60_000 + RUNS * 400

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

describe('intake fuzzing', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let pool: Pool

  beforeAll(async () => {
    // The portal's own rate limit is not under test here: let the worker drain quickly.
    emulator = await startEmulator({ rateLimit: false })
    const config = buildConfig({
      forms: {
        fuzz: {
          portal: 'default',
          fields: { name: 'NAME', phone: 'PHONE_MOBILE', message: 'COMMENTS', city: 'ADDRESS_CITY' },
          minFillMs: 0
        }
      },
      limits: { bodyBytes: 2 * 1024 * 1024, fields: 200, valueChars: 10_000 },
      rateLimit: { perIp: false, perForm: false },
      delivery: { dedupeWindowMs: 0 },
      portals: { default: { webhook: emulator.webhookUrl, rateLimit: { burst: 250, drainPerSecond: 100 } } }
    })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    const logger = pino({ level: 'silent' })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    pool = new Pool(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, { connections: 4 })
  })

  afterAll(async () => {
    await pool.close()
    await app.close()
    await worker.stop()
    await outbox.close()
    await emulator.close()
  })

  /** Sends a body; a connection the server closed early (it refused a huge body) counts as a refusal. */
  async function send (
    b: Body,
    accept = 'application/json'
  ): Promise<{ status: number, json?: { ok: boolean, id?: string, error?: { code: string } } }> {
    try {
      const res = await pool.request({
        path: '/f/fuzz',
        method: 'POST',
        headers: { 'content-type': b.contentType, accept },
        body: b.body,
        headersTimeout: 20_000,
        bodyTimeout: 20_000
      })
      const raw = await res.body.text()
      let json
      try { json = JSON.parse(raw) as { ok: boolean, id?: string } } catch { json = undefined }
      return { status: res.statusCode, ...(json !== undefined ? { json } : {}) }
    } catch (err) {
      const code = (err as { code?: string }).code ?? ''
      if (/UND_ERR_SOCKET|ECONNRESET|EPIPE/.test(code)) return { status: 0 }
      throw err
    }
  }

  it('hostile bodies of every content type: no 5xx, no crash, no prototype pollution, ' +
    `bounded memory (${RUNS} runs per type)`, async () => {
    gc()
    const heapBefore = process.memoryUsage().heapUsed
    const seen = new Map<string, number>()
    const statuses = new Map<number, number>()
    for (const kind of ['urlencoded', 'json', 'text', 'multipart', 'other'] as const) {
      await fc.assert(fc.asyncProperty(hostileBodies[kind], fc.boolean(), async (b, json) => {
        const res = await send(b, json ? 'application/json' : 'text/html')
        seen.set(b.kind, (seen.get(b.kind) ?? 0) + 1)
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
        expect(res.status, `${b.contentType} ${b.body.subarray(0, 80).toString('latin1')}`).toBeLessThan(500)
        if (res.status >= 400 && res.json !== undefined) expect(res.json.error?.code).toMatch(/^RELAY_ERR_/)
      }), { seed: SEED, numRuns: kind === 'other' ? Math.ceil(RUNS / 4) : RUNS, endOnFailure: true })
    }
    // The process is alive and answers; nothing reached Object.prototype.
    expect((await pool.request({ path: '/healthz', method: 'GET' }).then(async r => { await r.body.text(); return r.statusCode })))
      .toBe(200)
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    expect(Object.keys(Object.prototype)).toEqual([])
    gc()
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
    expect(growthMb, `heap grew by ${growthMb.toFixed(1)} MB`).toBeLessThan(96)
    expect([...seen.keys()].sort()).toEqual(['json', 'multipart', 'other', 'text', 'urlencoded'])
    // Some hostile bodies are well-formed enough to be accepted; most are refused.
    expect([...statuses.keys()].some(s => s >= 400)).toBe(true)
  }, TIMEOUT_MS)

  it(`prototype-named form ids and field keys, broken percent-encodings in path, query and body: no 5xx (${RUNS} runs)`, async () => {
    const statuses = new Map<number, number>()
    const request = fc.record({
      method: fc.constantFrom('POST', 'POST', 'GET'),
      path: fc.oneof(
        fc.constantFrom(...PROTO_NAMES).map(name => `/f/${name}`),
        fc.constantFrom(...PROTO_NAMES).map(name => `/f/${name}/thanks`),
        fc.constantFrom(...BROKEN_PERCENT).map(bad => `/f/${bad}`),
        fc.constantFrom(...BROKEN_PERCENT).map(bad => `/f/fuzz${bad}`),
        fc.constantFrom('/f/fuzz', '/f/fuzz/thanks', `/admin/submissions/${BROKEN_PERCENT[0] ?? ''}`, '/status/login', '/healthz')
      ),
      query: fc.oneof(fc.constant(''), fc.constantFrom(...BROKEN_PERCENT, ...PROTO_NAMES).map(q => `?${q}=${q}`)),
      key: fc.constantFrom(...PROTO_NAMES, ...PROTO_NAMES.map(n => `${n}[admin]`),
        'constructor[prototype][admin]', '__proto__.admin', 'name'),
      value: fc.oneof(fc.constantFrom(...BROKEN_PERCENT), nastyString),
      kind: fc.constantFrom('urlencoded', 'json')
    })
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const body = r.kind === 'json'
        ? Buffer.from(`{${JSON.stringify(r.key)}:${JSON.stringify(r.value)},"name":"Anna","phone":"+79001234567"}`)
        : Buffer.from(`${r.key}=${r.value}&name=Anna&phone=%2B79001234567`, 'latin1')
      const contentType = r.kind === 'json' ? 'application/json' : 'application/x-www-form-urlencoded'
      const res = await pool.request({
        path: r.path + r.query,
        method: r.method as 'POST' | 'GET',
        headers: { 'content-type': contentType, accept: 'application/json' },
        ...(r.method === 'POST' ? { body } : {}),
        headersTimeout: 20_000,
        bodyTimeout: 20_000
      })
      const raw = await res.body.text()
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const what = `${r.method} ${r.path}${r.query} ${body.toString('latin1').slice(0, 120)} → ${raw.slice(0, 200)}`
      expect(res.statusCode, what).toBeLessThan(500)
      if (res.statusCode >= 400 && raw.startsWith('{')) {
        expect((JSON.parse(raw) as { error?: { code?: string } }).error?.code, what).toMatch(/^RELAY_ERR_/)
      }
    }), { seed: SEED + 2, numRuns: RUNS, endOnFailure: true })
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
    expect(Object.keys(Object.prototype)).toEqual([])
    // Refusals, and also posts that were fine (the prototype-named key was just a field name).
    expect([...statuses.keys()].some(s => s >= 400)).toBe(true)
    expect([...statuses.keys()].some(s => s < 300)).toBe(true)
  }, TIMEOUT_MS)

  it(`well-formed submissions in every body kind become leads the portal accepts (${RUNS} runs)`, async () => {
    const accepted: string[] = []
    await fc.assert(fc.asyncProperty(wellFormedLead, wellFormedKind, async (lead, kind) => {
      const usable = kind === 'urlencoded-1251' && !fitsWindows1251(lead) ? 'urlencoded' : kind
      const res = await send(encodeLead(lead, usable))
      expect(res.status, `${usable} ${JSON.stringify(lead)} → ${JSON.stringify(res.json)}`).toBe(202)
      const id = res.json?.id
      expect(id).toMatch(/^[0-9A-Z]{26}$/)
      const stored = await outbox.get(id as string)
      expect(stored?.payload.fields).toBeDefined()
      accepted.push(id as string)
    }), { seed: SEED + 1, numRuns: RUNS, endOnFailure: true })

    // Every one of them through the real worker to the emulated portal.
    const sample = new Set(accepted)
    worker.start()
    worker.wake()
    const leads = await waitFor(() => {
      const byOrigin = new Map(emulator.leads().map(l => [String(l.fields.ORIGIN_ID), l]))
      return [...sample].every(id => byOrigin.has(id)) ? byOrigin : undefined
    }, { what: `${sample.size} leads on the portal`, timeoutMs: 30_000 })
    for (const id of sample) {
      const sent = (await outbox.get(id))?.payload.fields as Record<string, unknown>
      const lead = leads.get(id)
      expect(lead?.fields.NAME, id).toBe(sent.NAME)
      expect(lead?.fields.COMMENTS, id).toBe(sent.COMMENTS)
      expect((lead?.fields.PHONE as Array<{ VALUE: string }>)[0]?.VALUE).toBe((sent.PHONE as Array<{ VALUE: string }>)[0]?.VALUE)
    }
  }, TIMEOUT_MS)
})
