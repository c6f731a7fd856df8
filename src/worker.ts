/** `npm run worker`: the delivery worker alone, on the same store as the relay (RELAY_WORKER=off there). */
import { existsSync, readFileSync } from 'node:fs'
import closeWithGrace from 'close-with-grace'
import { loadConfig } from './config/load.ts'
import { DeliveryWorker } from './delivery/worker.ts'
import { createLogger } from './observability/logger.ts'
import { openStore } from './outbox/open.ts'
import { openCounters } from './outbox/counters.ts'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { createMetrics } from './observability/metrics.ts'
import { buildMetricsApp } from './http/routes/metrics.ts'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', pretty: process.stdout.isTTY })
const readFile = (path: string): string | undefined => existsSync(path) ? readFileSync(path, 'utf8') : undefined

async function main (): Promise<void> {
  let config = loadConfig({ env: process.env, readFile })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'relay_' })
  const metrics = createMetrics(registry)
  const { outbox, limiterFor } = await openStore(config.outbox.url, config.outbox.durability, logger)
  // Round-robin turns (ASSIGNED_BY_ID lists) live beside the outbox, shared with the relay and other workers.
  const counters = await openCounters(config.outbox.url)
  const worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 500, metrics, counters, ...(limiterFor !== undefined ? { limiterFor } : {}) })
  // METRICS_PORT: this process's delivery metrics for Prometheus (the relay's /metrics cannot see them).
  const metricsApp = process.env.METRICS_PORT !== undefined && process.env.METRICS_PORT !== ''
    ? await buildMetricsApp({ metrics, outbox, config: () => config, deliveryStatus: () => worker.status(), now: Date.now })
    : undefined
  // SIGHUP is not a shutdown here: it reloads the config (below).
  closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ signal }) => {
    logger.info({ signal }, 'worker shutting down')
    await metricsApp?.close()
    await worker.stop()
    await outbox.close()
    await counters.close()
  })
  process.on('SIGHUP', () => {
    try {
      config = loadConfig({ env: process.env, readFile })
      worker.reload()
      logger.info({ portals: Object.keys(config.portals) }, 'config reloaded')
    } catch (err) {
      const e = err as { code?: string, issues?: string[], message?: string }
      logger.error({ code: e.code, issues: e.issues }, `config reload rejected; the running config stays: ${e.message ?? String(err)}`)
    }
  })
  worker.start()
  await metricsApp?.listen({ port: Number(process.env.METRICS_PORT), host: process.env.HOST ?? '0.0.0.0' })
  const address = metricsApp?.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : null
  logger.info({ portals: Object.keys(config.portals), ...(port !== null ? { port } : {}) }, 'worker ready')
}

main().catch(err => {
  logger.fatal({ code: err?.code }, err instanceof Error ? err.message : String(err))
  process.exit(1)
})
