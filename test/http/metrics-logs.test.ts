/** One submission's id in every log line about it: intake, claim, retry, delivery (real worker, emulator fault). */
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('logs follow a submission', () => {
  let emulator: Emulator | undefined
  let outbox: SqliteOutbox | undefined
  afterEach(async () => {
    await outbox?.close()
    await emulator?.close()
  })

  it('carries submissionId from intake through the queue to delivery', async () => {
    emulator = await startEmulator({ rateLimit: false, faults: { next: ['500'] } })
    const lines: Array<Record<string, unknown>> = []
    const destination = new Writable({
      write (chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done() }
    })
    const logger = createLogger({ level: 'debug', destination })
    const config = buildConfig({ delivery: { retryBaseMs: 20, retryMaxMs: 40 } }, { B24_WEBHOOK_URL: emulator.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    const worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    const app = await buildApp({ config: () => config, outbox, logger, onAccepted: id => worker.wake(id) })
    worker.start()
    try {
      const res = await app.inject({ method: 'POST', url: '/f/default', payload: { name: 'Anna', phone: '+79001234567' } })
      const id = res.json<{ id: string }>().id
      await waitFor(() => lines.some(l => l.msg === 'lead delivered' && l.submissionId === id), {
        timeoutMs: 15_000,
        what: 'delivery log'
      })
      const about = lines.filter(l => l.submissionId === id || (Array.isArray(l.submissionIds) && l.submissionIds.includes(id)))
      expect(about.map(l => l.msg))
        .toEqual(expect.arrayContaining(['submission accepted', 'submissions claimed', 'delivery retry scheduled', 'lead delivered']))
      expect(about.find(l => l.msg === 'delivery retry scheduled'))
        .toMatchObject({ code: 'RELAY_ERR_B24_SERVER', portalId: 'default', attempt: 1 })
      expect(about.find(l => l.msg === 'lead delivered')).toMatchObject({ leadId: expect.any(Number), portalId: 'default' })
      // The visitor's phone never appears in clear.
      expect(JSON.stringify(lines)).not.toContain('9001234567')
    } finally {
      await app.close()
      await worker.stop()
    }
  })
})
