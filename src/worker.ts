/** `npm run worker`: the delivery worker alone, on the same store as the relay (RELAY_WORKER=off there). */
import { startAlerts } from './alerts/start.ts'
import { DeliveryWorker } from './delivery/worker.ts'
import { buildMetricsApp } from './http/routes/metrics.ts'
import { openCounters } from './outbox/open-counters.ts'
import { openStore } from './outbox/open.ts'
import { runProcess } from './process/boot.ts'
import { sharedLimiters } from './process/shared-limiters.ts'

runProcess(async ({ env, logger, metrics, config, onClose, onReload, listen }) => {
  const initial = config()
  const { outbox, redis, keyPrefix } = await openStore(initial.outbox.url, initial.outbox.durability, logger)
  const limiterFor = sharedLimiters({ redis, keyPrefix }, logger)
  // Round-robin turns (ASSIGNED_BY_ID lists) live beside the outbox, shared with the relay and other workers.
  const counters = await openCounters(initial.outbox.url)
  const worker = new DeliveryWorker({
    outbox, config, logger, idleMs: 500, metrics, counters, ...(limiterFor !== undefined ? { limiterFor } : {})
  })
  // METRICS_PORT: this process's delivery metrics for Prometheus (the relay's /metrics cannot see them).
  const metricsApp = env.metricsPort !== undefined
    ? await buildMetricsApp({ metrics, outbox, config, deliveryStatus: () => worker.status(), now: Date.now })
    : undefined
  const alerts = startAlerts({ config, outbox, logger, deliveryStatus: () => worker.status() })
  onClose(async () => { await metricsApp?.close() })
  onClose(() => alerts.stop())
  onClose(() => worker.stop())
  onClose(() => outbox.close())
  onClose(() => counters.close())
  onReload(() => { worker.reload(); alerts.reload() })
  worker.start()
  const port = metricsApp !== undefined && env.metricsPort !== undefined
    ? await listen(metricsApp, { port: env.metricsPort, host: env.host ?? '0.0.0.0', variable: 'METRICS_PORT' })
    : null
  logger.info({ portals: Object.keys(config().portals), ...(port !== null ? { port } : {}) }, 'worker ready')
})
