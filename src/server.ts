/**
 * The relay process: open the store, build the app, start the delivery worker and the alerts, and
 * listen. The environment, config reloads (SIGHUP) and the graceful shutdown come from
 * ./process/boot.ts, shared with the standalone worker.
 */
import { buildApp } from './app.ts'
import { startAlerts } from './alerts/start.ts'
import { relayVersion } from './cli/version.ts'
import { DeliveryWorker } from './delivery/worker.ts'
import { openCounters } from './outbox/open-counters.ts'
import { openStore } from './outbox/open.ts'
import { runProcess } from './process/boot.ts'
import { sharedLimiters } from './process/shared-limiters.ts'
import { warmUp } from './process/warm-up.ts'
import { openRedisSpamStore } from './security/spam-store-redis.ts'
import { openSqliteSpamStore, spamStorePath } from './security/spam-store-sqlite.ts'

runProcess(async ({ env, logger, metrics, config, onClose, onReload, listen }) => {
  const initial = config()
  // Redis mode also shares its connection (per-IP limits) and the portal limiters across instances.
  const { outbox, admin, redis, keyPrefix } = await openStore(initial.outbox.url, initial.outbox.durability, logger,
    { writerThread: true })
  const limiterFor = sharedLimiters({ redis, keyPrefix }, logger)
  // Round-robin turns (ASSIGNED_BY_ID lists) live beside the outbox, shared by every instance.
  const counters = env.runWorker ? await openCounters(initial.outbox.url) : undefined
  const worker = env.runWorker
    ? new DeliveryWorker({
      outbox,
      config,
      logger,
      metrics,
      ...(limiterFor !== undefined ? { limiterFor } : {}),
      ...(counters !== undefined ? { counters } : {})
    })
    : undefined
  // Redis mode: spam held by any instance is reviewed and erased in one place (unless spam.path names a file).
  const spamStore = redis !== undefined && keyPrefix !== undefined && initial.spam.path === undefined
    ? openRedisSpamStore({ redis, keyPrefix })
    : openSqliteSpamStore(spamStorePath(initial))
  const app = await buildApp({
    config,
    outbox,
    ...(admin !== undefined ? { admin } : {}),
    logger,
    trustProxy: env.trustProxy,
    ...(env.adminToken !== undefined ? { adminToken: env.adminToken } : {}),
    metrics,
    ...(env.metricsToken !== undefined ? { metricsToken: env.metricsToken } : {}),
    ...(worker !== undefined ? { deliveryStatus: () => worker.status() } : {}),
    version: relayVersion(),
    spamStore,
    ...(redis !== undefined ? { redis } : {}),
    onAccepted: portalId => worker?.wake(portalId)
  })
  // The process that delivers watches for trouble: it is the one that sees portal states.
  const alerts = worker !== undefined ? startAlerts({ config, outbox, logger, deliveryStatus: () => worker.status() }) : undefined

  onClose(() => app.close()) // stop accepting, finish in-flight requests
  onClose(async () => { await alerts?.stop() })
  onClose(async () => { await worker?.stop() }) // settle in-flight batch calls, give back unsent leases
  onClose(() => outbox.close())
  onClose(async () => { await counters?.close() })
  onClose(() => spamStore.close())
  onReload(() => { worker?.reload(); alerts?.reload() })

  // Before listening: the first visitors get compiled code, not the compiler's first pass (./process/warm-up.ts).
  warmUp(config(), logger)
  const host = env.host ?? '0.0.0.0'
  const port = await listen(app, { port: env.port ?? 3000, host, variable: 'PORT' })
  worker?.start()
  logger.info({
    port,
    host,
    forms: Object.keys(config().forms),
    portals: Object.keys(config().portals),
    outbox: config().outbox.url.split(':')[0],
    durability: config().outbox.durability,
    worker: env.runWorker
  }, 'relay ready')
})
