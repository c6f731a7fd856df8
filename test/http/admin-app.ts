/** Builds the real app with metrics, an admin token and (optionally) an in-process worker on an emulator. */
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { Registry } from 'prom-client'
import { buildApp, type AppDeps } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { createMetrics, type RelayMetrics } from '../../src/observability/metrics.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef'
export const auth = { authorization: `Bearer ${ADMIN_TOKEN}` }

export interface AdminTestApp {
  app: FastifyInstance
  outbox: SqliteOutbox
  config: RelayConfig
  metrics: RelayMetrics
  worker?: DeliveryWorker
  close: () => Promise<void>
}

export interface AdminAppOptions {
  raw?: Record<string, unknown>
  env?: Record<string, string>
  /** Start a delivery worker in-process (deliveryStatus comes from it). */
  worker?: { idleMs?: number }
  path?: string
  deps?: Partial<AppDeps>
  now?: () => number
}

export async function buildAdminApp (opts: AdminAppOptions = {}): Promise<AdminTestApp> {
  const config = buildConfig(opts.raw ?? {}, opts.env ?? { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/testsecret/' })
  const clock = opts.now !== undefined ? { clock: opts.now } : {}
  const outbox = await openSqliteOutbox({ path: opts.path ?? ':memory:', durability: 'relaxed', ...clock })
  const metrics = createMetrics(new Registry())
  const logger = pino({ level: 'silent' })
  const worker = opts.worker === undefined
    ? undefined
    : new DeliveryWorker({ outbox, config: () => config, logger, metrics, idleMs: opts.worker.idleMs ?? 20 })
  const app = await buildApp({
    config: () => config,
    outbox,
    admin: createSqliteAdmin(outbox),
    metrics,
    adminToken: ADMIN_TOKEN,
    ...(worker !== undefined ? { deliveryStatus: () => worker.status(), onAccepted: (id: string) => worker.wake(id) } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...opts.deps
  })
  await app.ready()
  worker?.start()
  return {
    app,
    outbox,
    config,
    metrics,
    ...(worker !== undefined ? { worker } : {}),
    close: async () => {
      await app.close()
      await worker?.stop()
      await outbox.close()
    }
  }
}
