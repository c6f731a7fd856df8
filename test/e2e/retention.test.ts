/**
 * Retention and the store's floor, over real HTTP with a SQLite file, the real worker and the
 * Bitrix24 emulator. File bytes go as soon as the files are in the portal; delivered submissions
 * are deleted after `retention.deliveredMs`, dead letters keep their own longer time; new
 * submissions are refused with 503 RELAY_ERR_STORE_FULL at the size or free-disk floor, warned
 * before it, and nothing the store holds is damaged. The relay's clock is injected.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import pino from 'pino'
import { Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { createMetrics } from '../../src/observability/metrics.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { watchPurges } from '../helpers/purge-watch.ts'
import { waitFor } from '../helpers/wait-for.ts'

const DAY = 24 * 3600 * 1000
const MIB = 1024 * 1024
const ADMIN_TOKEN = 'retention-admin-token-0123456789'
const PDF = Buffer.from('%PDF-1.4\n% a test document that is long enough to notice\n')

interface Rig {
  base: string, outbox: SqliteOutbox, emulator: Emulator, path: string
  advance: (ms: number) => void
  /** Resolves once the worker's upkeep has finished a purge at the relay's current time. */
  purgedNow: () => Promise<void>
  setFree: (bytes: number) => void
  post: (body: Record<string, unknown>, form?: string) => Promise<{ status: number, id?: string, code?: string }>
  close: () => Promise<void>
}

async function rig (limits: Record<string, unknown> = {}): Promise<Rig> {
  const dir = await mkdtemp(join(tmpdir(), 'retention-'))
  const path = join(dir, 'relay.db')
  const emulator = await startEmulator({ rateLimit: false })
  const config = buildConfig({
    forms: {
      contact: { portal: 'default', fields: { name: 'NAME', note: 'COMMENTS' }, minFillMs: 0 },
      cv: { portal: 'default', fields: { name: 'NAME' }, files: { maxBytes: 10_000, types: ['application/pdf'], fields: ['your-file'] } }
    },
    rateLimit: { perIp: false, perForm: false },
    limits: { bodyBytes: 65_536, ...limits },
    retention: { deliveredMs: 30 * DAY, deadMs: 90 * DAY, heldMs: 90 * DAY, purgeEveryMs: 1000 }
  }, { B24_WEBHOOK_URL: emulator.webhookUrl })
  const logger = pino({ level: 'silent' })
  let clock = Date.now() - 3_600_000
  let free = 100 * 1024 * MIB
  const now = (): number => clock
  const outbox = await openSqliteOutbox({ path, durability: 'relaxed', clock: now })
  const watch = watchPurges(outbox)
  const worker = new DeliveryWorker({ outbox: watch.outbox, config: () => config, logger, now, idleMs: 20, housekeepingMs: 50 })
  const app: FastifyInstance = await buildApp({
    config: () => config, outbox, admin: createSqliteAdmin(outbox), logger, now, adminToken: ADMIN_TOKEN, metrics: createMetrics(new Registry()),
    freeDiskBytes: async () => free, onAccepted: id => worker.wake(id)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  worker.start()
  return {
    base, outbox, emulator, path,
    advance: ms => { clock += ms },
    purgedNow: async () => {
      const deliveredBefore = clock - config.retention.deliveredMs
      await waitFor(() => watch.purges.some(p => p.deliveredBefore === deliveredBefore),
        { what: 'a purge at the relay\'s current time' })
    },
    setFree: bytes => { free = bytes },
    post: async (body, form = 'contact') => {
      const res = await fetch(`${base}/f/${form}`, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body)
      })
      const json = await res.json() as { id?: string, error?: { code: string } }
      return {
        status: res.status, ...(json.id !== undefined ? { id: json.id } : {}), ...(json.error !== undefined ? { code: json.error.code } : {})
      }
    },
    close: async () => {
      await app.close()
      await worker.stop()
      await outbox.close()
      await emulator.close()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const delivered = async (r: Rig, id: string): Promise<void> => {
  await waitFor(async () => (await r.outbox.get(id))?.status === 'delivered', { timeoutMs: 20_000, what: `${id} delivered` })
}

describe('retention', () => {
  let r: Rig
  afterEach(async () => { await r.close() })

  it('drops file bytes once the files are in the portal, and keeps their names', async () => {
    r = await rig()
    const { status, id } = await r.post({ name: 'Olga', 'your-file': { filename: 'cv.pdf', content: PDF.toString('base64') } }, 'cv')
    expect(status).toBe(202)
    const before = await r.outbox.get(id!)
    expect(JSON.stringify(before?.payload)).toContain(PDF.toString('base64'))
    await delivered(r, id!)
    expect(r.emulator.files().map(f => Buffer.from(f.content, 'base64').equals(PDF))).toEqual([true])
    const after = await r.outbox.get(id!)
    expect(JSON.stringify(after?.payload)).not.toContain(PDF.toString('base64'))
    expect((after?.payload.extras as { files: { items: unknown[] } }).files.items)
      .toEqual([{ field: 'your-file', name: 'cv.pdf', type: 'application/pdf', size: PDF.length }])
  })

  it('deletes delivered submissions after deliveredMs; dead letters stay until deadMs', async () => {
    r = await rig()
    const { id } = await r.post({ name: 'Pavel' })
    await delivered(r, id!)
    // A dead letter on a portal without a lane, settled by hand with the relay's clock.
    const { id: dead } = await r.outbox.enqueue({ formId: 'contact', portalId: 'elsewhere', payload: { fields: { NAME: 'x' } } })
    const [c] = await r.outbox.claim({ limit: 1, leaseMs: 60_000, portalId: 'elsewhere' })
    await r.outbox.deadLetter(dead, c!.leaseToken, { code: 'X', message: 'refused' })

    r.advance(29 * DAY)
    await r.purgedNow()
    expect((await r.outbox.get(id!))?.status).toBe('delivered')
    r.advance(2 * DAY + 2 * 3_600_000)
    await waitFor(async () => (await r.outbox.get(id!)) === undefined, { what: 'the delivered submission purged' })
    expect((await r.outbox.get(dead))?.status).toBe('dead')
    r.advance(60 * DAY)
    await waitFor(async () => (await r.outbox.get(dead)) === undefined, { what: 'the dead letter purged' })
    expect(r.emulator.leads()).toHaveLength(1)
  })
})

describe('the store floor', () => {
  let r: Rig
  afterEach(async () => { await r.close() })

  type Ready = { space: { state: string, reason: string | null } }
  const ready = async (): Promise<Ready> => await (await fetch(`${r.base}/readyz`)).json() as Ready

  it('warns under twice the free-disk floor, refuses with 503 RELAY_ERR_STORE_FULL under it, takes posts again with room', async () => {
    r = await rig({ minFreeDiskBytes: 512 * MIB })
    const kept = await r.post({ name: 'Before' })
    expect(kept.status).toBe(202)
    r.setFree(800 * MIB)
    await waitFor(async () => (await ready()).space.state === 'low', { what: 'the low-space warning' })
    expect((await r.post({ name: 'While low' })).status).toBe(202)

    r.setFree(100 * MIB)
    const refused = await waitFor(async () => {
      const p = await r.post({ name: 'Refused' })
      return p.status === 503 ? p : undefined
    }, { what: 'a 503' })
    expect(refused.code).toBe('RELAY_ERR_STORE_FULL')
    expect((await ready()).space).toMatchObject({ state: 'full' })
    expect(await (await fetch(`${r.base}/metrics`)).text()).toMatch(/^relay_store_space_state 2$/m)
    const signIn = await fetch(`${r.base}/status?token=${ADMIN_TOKEN}`, { redirect: 'manual' })
    const html = await (await fetch(`${r.base}/status`, { headers: { cookie: signIn.headers.get('set-cookie')!.split(';')[0]! } })).text()
    expect(html).toContain('data-space="full"')
    // What it holds is still delivered.
    await delivered(r, kept.id!)

    r.setFree(10 * 1024 * MIB)
    await waitFor(async () => (await r.post({ name: 'After' })).status === 202, { what: 'posts accepted again' })
  })

  it('refuses before the store passes limits.storeBytes, and what it holds stays whole', async () => {
    const cap = 2 * MIB
    r = await rig({ storeBytes: cap })
    const accepted: string[] = []
    let refused: { code?: string } | undefined
    const note = 'x'.repeat(8000)
    for (let i = 0; i < 2000 && refused === undefined; i += 8) {
      const batch = await Promise.all(Array.from({ length: 8 }, (_, j) => r.post({ name: `n${i + j}`, note: `${i + j} ${note}` })))
      for (const p of batch) {
        if (p.status === 202) accepted.push(p.id!)
        else if (p.status === 503) refused = p
        else throw new Error(`unexpected ${p.status} ${p.code}`)
      }
    }
    expect(refused?.code).toBe('RELAY_ERR_STORE_FULL')
    expect(accepted.length).toBeGreaterThan(50)
    // The refusal comes before the cap is overrun by more than what arrives between two measurements.
    expect((await r.outbox.usage()).bytes).toBeLessThan(cap + MIB)
    for (const id of accepted) expect(await r.outbox.get(id)).toBeDefined()
    const raw = new Database(r.path, { readonly: true })
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
    } finally {
      raw.close()
    }
  })
})
