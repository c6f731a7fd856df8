/**
 * What real portals do that the happy path never shows: a webhook path that answers 404 to every call
 * (mistyped, or the portal moved), a method blocked by the operating-time limit with the reset time
 * only in the batch's outer `time`, and one method missing while the rest of the portal answers.
 */
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { sendJson, startFakePortal, type FakePortal } from '../bitrix/fake-portal.ts'
import { waitFor } from '../helpers/wait-for.ts'

const logger = pino({ level: 'silent' })

describe('portal outages the relay must survive', () => {
  let emulator: Emulator | undefined
  let fake: FakePortal | undefined
  let outbox: SqliteOutbox | undefined
  let worker: DeliveryWorker | undefined

  afterEach(async () => {
    await worker?.stop()
    await outbox?.close()
    await emulator?.close()
    await fake?.close()
    worker = undefined
  })

  it('a portal answering 404 to everything keeps every submission queued, then delivers each exactly once', async () => {
    emulator = await startEmulator({ faults: { notFound: 1 } })
    const emu = emulator
    const delivery = { authProbeMs: 100, retryBaseMs: 10, retryMaxMs: 20, maxAttempts: 3 }
    const config = buildConfig({ delivery }, { B24_WEBHOOK_URL: emu.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const o = outbox
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    const w = worker
    const app = await buildApp({ config: () => config, outbox, admin: createSqliteAdmin(outbox), onAccepted: id => w.wake(id), deliveryStatus: () => w.status() })
    worker.start()
    try {
      const ids: string[] = []
      for (let i = 0; i < 12; i++) {
        const payload = { name: `Lost ${i}`, phone: `+7901000${String(i).padStart(4, '0')}` }
        const res = await app.inject({ method: 'POST', url: '/f/default', payload })
        expect(res.statusCode).toBe(202)
        ids.push(res.json().id)
      }
      await waitFor(() => w.status()[0]?.state === 'paused_not_found', { what: 'the portal paused as not found' })
      // Many probes later (each would have been an attempt; maxAttempts is 3) nothing is dead or counted.
      const requestsAtPause = emu.stats().requests
      await waitFor(() => emu.stats().requests >= requestsAtPause + 5, { what: 'five probes while paused' })
      const stats = await o.stats()
      expect(stats.dead).toBe(0)
      expect(stats.pending + stats.leased).toBe(12)
      for (const id of ids) expect((await o.get(id))?.attempts ?? 99).toBeLessThanOrEqual(1)

      const ready = await app.inject({ url: '/readyz' })
      expect(ready.statusCode).toBe(503)
      expect(ready.json().portals.default).toMatchObject({
        state: 'paused_not_found', lastError: { code: 'RELAY_ERR_B24_METHOD_NOT_FOUND' }
      })
      expect(ready.json().portals.default.lastError.message).toMatch(/webhook URL/)

      emu.setFaults({})
      await waitFor(async () => (await o.stats()).delivered === 12, { timeoutMs: 20_000, what: 'all 12 delivered once the portal answers' })
      expect(w.status()[0]?.state).toBe('ok')
      expect(emu.leads().map(l => l.fields.ORIGIN_ID).sort()).toEqual([...ids].sort())
      expect((await app.inject({ url: '/readyz' })).statusCode).toBe(200)
    } finally {
      await app.close()
    }
  }, 60_000)

  it('a batch blocked by OPERATION_TIME_LIMIT waits for the outer reset time, then delivers', async () => {
    emulator = await startEmulator()
    const emu = emulator
    const config = buildConfig({}, { B24_WEBHOOK_URL: emu.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const o = outbox
    // The emulator blocks crm.lead.add for a few seconds; live portals block up to 10 minutes.
    const until = Date.now() + 4000
    emu.blockMethod('crm.lead.add', until)
    const { id } = await o.enqueue({ formId: 'default', portalId: 'default', payload: { fields: { TITLE: 'Blocked', NAME: 'Anna' } } })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    worker.start()
    const retried = await waitFor(async () => {
      const rec = await o.get(id)
      return rec?.lastError?.code === 'RELAY_ERR_B24_OPERATION_LIMIT' && rec.status === 'pending' ? rec : undefined
    }, { what: 'the blocked attempt settled' })
    // Scheduled for the reset time the batch answer carried outside, to the second; not "in 60 s".
    expect(retried.nextAttemptAt).toBe(Math.ceil(until / 1000) * 1000)
    expect(worker.status()[0]?.state).toBe('rate_limited')
    const lead = await waitFor(() => emu.leads().find(l => l.fields.ORIGIN_ID === id),
      { timeoutMs: 30_000, what: 'the lead after the reset' })
    expect(lead.fields.TITLE).toBe('Blocked')
    expect(emu.leads()).toHaveLength(1)
    expect(emu.stats().byMethod.batch).toBe(2)
  }, 60_000)

  it('one method missing while the portal answers: the relay keeps delivering to it and retries that method with backoff', async () => {
    fake = await startFakePortal((req, res) => {
      if (req.path.includes('crm.lead.fields')) return sendJson(res, 200, { result: { TITLE: { type: 'string' } } })
      return sendJson(res, 404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' })
    })
    const config = buildConfig({ delivery: { retryBaseMs: 10_000 } }, { B24_WEBHOOK_URL: fake.webhook })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const o = outbox
    const { id } = await o.enqueue({ formId: 'default', portalId: 'default', payload: { fields: { TITLE: 'x' } } })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    worker.start()
    const rec = await waitFor(async () => {
      const r = await o.get(id)
      return r?.lastError?.code === 'RELAY_ERR_B24_METHOD_NOT_FOUND' && r.status === 'pending' ? r : undefined
    }, { what: 'the attempt settled' })
    expect(rec.attempts).toBe(1)
    expect(rec.nextAttemptAt).toBeGreaterThan(Date.now())
    expect(worker.status()[0]?.state).not.toBe('paused_not_found')
  })
})
