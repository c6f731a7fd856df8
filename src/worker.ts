/** `npm run worker`: the delivery worker alone, on the same store as the relay (RELAY_WORKER=off there). */
import { existsSync, readFileSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config/load.ts'
import { DeliveryWorker } from './delivery/worker.ts'
import { createLogger } from './observability/logger.ts'
import { openOutbox } from './outbox/open.ts'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' })

async function main (): Promise<void> {
  const config = loadConfig({ env: process.env, readFile: path => existsSync(path) ? readFileSync(path, 'utf8') : undefined })
  const outbox = await openOutbox(config.outbox.url, config.outbox.durability, logger)
  const worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 500 })
  closeWithGrace({ delay: 10_000, logger }, async ({ signal }) => {
    logger.info({ signal }, 'worker shutting down')
    await worker.stop()
    await outbox.close()
  })
  worker.start()
  logger.info({ portals: Object.keys(config.portals) }, 'worker ready')
}

main().catch(err => {
  logger.fatal({ code: err?.code }, err instanceof Error ? err.message : String(err))
  process.exit(1)
})
