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
import { openStore } from './outbox/open.ts'
import { openCounters } from './outbox/counters.ts'
import { readEnvironment } from './config/environment.ts'
import { openSqliteSpamStore, spamStorePath } from './security/spam-store-sqlite.ts'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { createMetrics } from './observability/metrics.ts'
import { relayVersion } from './cli/version.ts'

// JSON lines for collectors; readable lines when a person watches the terminal.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', pretty: process.stdout.isTTY })
const readFile = (path: string): string | undefined => existsSync(path) ? readFileSync(path, 'utf8') : undefined

async function main (): Promise<void> {
  const env = readEnvironment(process.env)
  let config = loadConfig({ env: process.env, readFile })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'relay_' })
  const metrics = createMetrics(registry)
  // Redis mode also shares its connection (per-IP limits) and the portal limiters across instances.
  const { outbox, redis, limiterFor } = await openStore(config.outbox.url, config.outbox.durability, logger, { writerThread: true })
  // Round-robin turns (ASSIGNED_BY_ID lists) live beside the outbox, shared by every instance.
  const counters = env.runWorker ? await openCounters(config.outbox.url) : undefined
  const worker = env.runWorker
    ? new DeliveryWorker({ outbox, config: () => config, logger, metrics, ...(limiterFor !== undefined ? { limiterFor } : {}), ...(counters !== undefined ? { counters } : {}) })
    : undefined
  const spamStore = openSqliteSpamStore(spamStorePath(config))
  const app = await buildApp({
    config: () => config,
    outbox,
    logger,
    trustProxy: env.trustProxy,
    ...(env.adminToken !== undefined ? { adminToken: env.adminToken } : {}),
    metrics,
    ...(process.env.METRICS_TOKEN !== undefined && process.env.METRICS_TOKEN !== '' ? { metricsToken: process.env.METRICS_TOKEN } : {}),
    ...(worker !== undefined ? { deliveryStatus: () => worker.status() } : {}),
    version: relayVersion(),
    spamStore,
    ...(redis !== undefined ? { redis } : {}),
    onAccepted: portalId => worker?.wake(portalId)
  })

  // SIGHUP is not a shutdown here: it reloads the config (below).
  closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    await app.close() // stop accepting, finish in-flight requests
    await worker?.stop() // settle in-flight batch calls, give back unsent leases
    await outbox.close()
    await counters?.close()
    await spamStore.close()
  })

  // SIGHUP: read the config again. Requests in flight finish with the config they started with; an
  // invalid file is refused and the running config stays.
  process.on('SIGHUP', () => {
    try {
      const next = loadConfig({ env: process.env, readFile })
      if (next.outbox.url !== config.outbox.url || next.outbox.durability !== config.outbox.durability ||
        JSON.stringify(next.limits) !== JSON.stringify(config.limits)) {
        logger.warn('outbox and limits settings take effect only after a restart')
      }
      config = next
      worker?.reload()
      logger.info({ forms: Object.keys(config.forms), portals: Object.keys(config.portals) }, 'config reloaded')
    } catch (err) {
      const e = err as { code?: string, issues?: string[], message?: string }
      logger.error({ code: e.code, issues: e.issues }, `config reload rejected; the running config stays: ${e.message ?? String(err)}`)
    }
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
