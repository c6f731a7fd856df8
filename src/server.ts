/**
 * The process: read the environment and config, open the store, build the app, start the delivery
 * worker, listen, and shut down gracefully on SIGTERM/SIGINT. The only file that touches `process`
 * besides the standalone worker and CLI entries.
 */
import { existsSync, readFileSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { loadConfig } from './config/load.ts'
import { DeliveryWorker } from './delivery/worker.ts'
import { createLogger } from './observability/logger.ts'
import { openOutbox } from './outbox/open.ts'
import { readEnvironment } from './config/environment.ts'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' })

async function main (): Promise<void> {
  const env = readEnvironment(process.env)
  const config = loadConfig({ env: process.env, readFile: path => existsSync(path) ? readFileSync(path, 'utf8') : undefined })
  const outbox = await openOutbox(config.outbox.url, config.outbox.durability, logger)
  const worker = env.runWorker ? new DeliveryWorker({ outbox, config: () => config, logger }) : undefined
  const app = await buildApp({
    config: () => config,
    outbox,
    logger,
    trustProxy: env.trustProxy,
    onAccepted: portalId => worker?.wake(portalId)
  })

  closeWithGrace({ delay: 10_000, logger }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    await app.close() // stop accepting, finish in-flight requests
    await worker?.stop() // settle in-flight batch calls, give back unsent leases
    await outbox.close()
  })

  await app.listen({ port: env.port, host: env.host })
  worker?.start()
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : env.port
  logger.info({ port, host: env.host, forms: Object.keys(config.forms), portals: Object.keys(config.portals),
    outbox: config.outbox.url.split(':')[0], durability: config.outbox.durability, worker: env.runWorker }, 'relay ready')
}

main().catch(err => {
  logger.fatal({ code: err?.code }, err instanceof Error ? err.message : String(err))
  process.exit(1)
})
