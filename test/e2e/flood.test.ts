/**
 * A per-form flood must never lock real visitors out. Over real HTTP behind a trusted proxy: 400
 * posts from 400 distinct forwarded addresses blow through the form's per-form limit, then a real
 * visitor posts. The visitor is answered as accepted (303 to the success page, never the error
 * page), the lead is kept held, and once the form has been quiet it is released and delivered to
 * the Bitrix24 emulator. The relay's clock is injected (and frozen), so the quiet period passes
 * only when the test says so.
 */
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { Registry } from 'prom-client'
import { watchPurges } from '../helpers/purge-watch.ts'
import { waitFor } from '../helpers/wait-for.ts'

const QUIET_MS = 60_000
const ADMIN_TOKEN = 'flood-admin-token-0123456789'

interface Rig {
  base: string, outbox: SqliteOutbox, emulator: Emulator, advance: (ms: number) => void
  /** Resolves once a whole upkeep pass (purge, then the release check) has run at the relay's current time or later. */
  upkeepDone: () => Promise<void>
  close: () => Promise<void>
}

async function rig (flood: Record<string, unknown>): Promise<Rig> {
  const emulator = await startEmulator()
  const config: RelayConfig = buildConfig({
    forms: {
      contact: {
        portal: 'default', language: 'en', fields: { name: 'NAME', phone: 'PHONE_MOBILE' }, minFillMs: 0,
        successUrl: 'https://shop.example/thanks', errorUrl: 'https://shop.example/error'
      }
    },
    rateLimit: { perIp: { max: 3, timeWindow: 60_000 }, perForm: { max: 50, timeWindow: 60_000 } },
    flood
  }, { B24_WEBHOOK_URL: emulator.webhookUrl })
  const logger = pino({ level: 'silent' })
  // Frozen, an hour in the past: the relay and its store run on it.
  let clock = Date.now() - 3_600_000
  const now = (): number => clock
  const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed', clock: now })
  const watch = watchPurges(outbox)
  const worker = new DeliveryWorker({ outbox: watch.outbox, config: () => config, logger, now, idleMs: 20, housekeepingMs: 50 })
  const app: FastifyInstance = await buildApp({
    config: () => config, outbox, admin: createSqliteAdmin(outbox), logger, now, trustProxy: ['127.0.0.1'], adminToken: ADMIN_TOKEN, onAccepted: id => worker.wake(id),
    metrics: createMetrics(new Registry())
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  worker.start()
  return {
    base: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`,
    outbox,
    emulator,
    advance: ms => { clock += ms },
    upkeepDone: async () => {
      const purgedAt = async (at: number): Promise<void> => {
        const deliveredBefore = at - config.retention.deliveredMs
        await waitFor(() => watch.purges.some(p => p.deliveredBefore === deliveredBefore),
          { what: 'a purge at the relay\'s current time' })
      }
      await purgedAt(clock)
      // One pass runs at a time: a purge in a later pass means the release check of this one has finished.
      clock += config.retention.purgeEveryMs
      await purgedAt(clock)
    },
    close: async () => {
      await app.close()
      await worker.stop()
      await outbox.close()
      await emulator.close()
    }
  }
}

/** 400 bot posts, each from its own forwarded address, 16 at a time. */
async function flood (base: string, n = 400): Promise<number[]> {
  const codes: number[] = []
  for (let i = 0; i < n; i += 16) {
    codes.push(...await Promise.all(Array.from({ length: Math.min(16, n - i) }, async (_, j) => {
      const k = i + j
      const res = await fetch(`${base}/f/contact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-forwarded-for': `198.18.${k >> 8}.${k & 255}` },
        body: JSON.stringify({ name: `bot ${k}`, phone: `+7999${String(k).padStart(7, '0')}` })
      })
      await res.arrayBuffer()
      return res.status
    })))
  }
  return codes
}

const authed = { authorization: `Bearer ${ADMIN_TOKEN}` }

describe('a per-form flood', () => {
  let r: Rig
  afterEach(async () => { await r.close() })

  it('never refuses a real visitor: the lead is held, then released after the quiet period and delivered', async () => {
    r = await rig({ quietMs: QUIET_MS, releasePerMinute: 100_000 })
    const codes = await flood(r.base)
    expect(codes.filter(c => c !== 202)).toEqual([])

    // A real visitor with a plain HTML form, right in the flood.
    const res = await fetch(`${r.base}/f/contact`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '203.0.113.77' },
      body: 'name=Real+Visitor&phone=%2B79001234567'
    })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('https://shop.example/thanks')
    expect(res.headers.get('x-relay-error')).toBeNull()

    // Kept, held: visible to the operator in /readyz, /metrics and the admin API.
    const page = await (await fetch(`${r.base}/admin/submissions?status=held&limit=500`, { headers: authed })).json() as
      { items: Array<{ id: string, fields: Record<string, unknown> }> }
    expect(page.items.length).toBeGreaterThanOrEqual(300)
    const ready = await (await fetch(`${r.base}/readyz`)).json() as { queue: { held: number } }
    expect(ready.queue.held).toBe(page.items.length)
    const stats = await r.outbox.stats()
    expect(stats.held).toBe(page.items.length)
    const visitor = (await r.outbox.get(page.items[0]!.id))!
    expect(visitor.status).toBe('held')
    expect(visitor.meta).toMatchObject({ ip: '203.0.113.77' })
    expect(r.emulator.leads().some(l => l.fields.NAME === 'Real Visitor')).toBe(false)

    // The flood is over once the form has been quiet; a minute later the held ones have been released and delivered.
    r.advance(QUIET_MS + 60_000)
    const lead = await waitFor(() => r.emulator.leads().find(l => l.fields.NAME === 'Real Visitor'),
      { timeoutMs: 60_000, intervalMs: 100, what: 'the visitor\'s lead in the emulator' })
    expect(lead.fields.ORIGIN_ID).toBe(visitor.id)
    await waitFor(async () => (await r.outbox.get(visitor.id))?.status === 'delivered',
      { timeoutMs: 20_000, what: 'the visitor delivered' })
    expect((await r.outbox.stats()).held).toBe(0)
  })

  it('holds while the flood goes on; an operator can release one form\'s held now or discard them in bulk', async () => {
    r = await rig({ quietMs: QUIET_MS, releasePerMinute: 0 })
    await flood(r.base, 80)
    const held = await (await fetch(`${r.base}/admin/held`, { headers: authed })).json() as { held: number, newestHeldAt: number }
    expect(held.held).toBe(30)
    const metrics = await (await fetch(`${r.base}/metrics`)).text()
    expect(metrics).toMatch(/^relay_held_submissions 30$/m)
    // No automatic release with releasePerMinute 0, however long it is quiet.
    r.advance(QUIET_MS * 10)
    await r.upkeepDone()
    expect((await r.outbox.stats()).held).toBe(30)

    const release = await fetch(`${r.base}/admin/held/release?form=contact&limit=10`, { method: 'POST', headers: authed })
    expect(await release.json()).toEqual({ ok: true, released: 10 })

    // The status page shows them and discards them in bulk.
    const signIn = await fetch(`${r.base}/status?token=${ADMIN_TOKEN}`, { redirect: 'manual' })
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!
    const html = await (await fetch(`${r.base}/status`, { headers: { cookie } })).text()
    expect(html).toContain('data-figure="held">20<')
    expect(html).toContain('action="/status/held/discard"')
    const discard = await fetch(`${r.base}/status/held/discard`, { method: 'POST', redirect: 'manual', headers: { cookie } })
    expect(discard.status).toBe(303)
    expect(discard.headers.get('location')).toBe('/status?done=discarded&n=20')
    expect((await r.outbox.stats()).held).toBe(0)
    expect(await (await fetch(`${r.base}/status`, { headers: { cookie } })).text()).not.toContain('data-section="held"')
    await waitFor(() => r.emulator.leads().length === 60, { timeoutMs: 30_000, what: '50 + 10 leads delivered' })
  })
})
