/**
 * buildApp(deps): the whole HTTP application as a Fastify instance, without listening and without
 * reading the environment. server.ts owns the process; tests build the app with their own deps.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import type { RelayConfig } from './config/schema.ts'
import type { Outbox } from './outbox/types.ts'
import { sendJsonError, toHttpError } from './http/error-handler.ts'
import { submitRoutes } from './http/routes/submit.ts'
import { healthRoutes } from './http/routes/health.ts'
import { embedRoutes } from './http/routes/embed.ts'
import { adminAuth } from './http/admin-auth.ts'
import { adminRoutes } from './http/routes/admin.ts'
import { docsRoutes, registerOpenApi } from './http/routes/docs.ts'
import { countingOutbox, httpMetricsHooks, metricsRoutes } from './http/routes/metrics.ts'
import { statusPageRoutes } from './http/routes/status-page.ts'
import type { LaneStatus } from './delivery/lane/portal-lane.ts'
import type { RelayMetrics } from './observability/metrics.ts'
import type { SubmissionAdmin } from './outbox/admin-types.ts'
import { corsPerForm } from './security/cors-per-form.ts'
import { htmlSecurityHeaders } from './security/html-headers.ts'
import { slowBodyGuard } from './security/slow-body.ts'
import { signInThrottle } from './security/sign-in-throttle.ts'
import { BadUrlError } from './errors.ts'
import type { SpamStore } from './security/spam-store.ts'
import { memorySpamStore } from './security/spam-store-memory.ts'
import { createStoreFloor } from './intake/store-floor.ts'

export interface AppDeps {
  /** The current configuration; a function so a reload can swap it without rebuilding the app. */
  config: () => RelayConfig
  outbox: Outbox
  logger?: Logger | false
  now?: () => number
  /** Proxies whose X-Forwarded-For is believed (e.g. ['127.0.0.1', '10.0.0.0/8']). */
  trustProxy?: boolean | string | string[]
  /** Called after a submission is stored, so an in-process worker can deliver it at once. */
  onAccepted?: (portalId: string) => void
  /** Prometheus handles (src/observability/metrics.ts); without them there is no /metrics. */
  metrics?: RelayMetrics
  /** Bearer token of the admin API and the status page; unset turns both off (404). */
  adminToken?: string
  /** When set, /metrics wants `Authorization: Bearer <metricsToken>`; else it is open. */
  metricsToken?: string
  /** Search, delete, erase, charts, /readyz's write probe: the store's admin port (openStore gives SQLite's); else they are off. */
  admin?: SubmissionAdmin
  /** The in-process worker's lanes; absent when delivery runs in another process. */
  deliveryStatus?: () => LaneStatus[]
  /** Shown in the OpenAPI description. */
  version?: string
  /**
   * A shared Redis (ioredis) for state that must hold across relay instances: with it the intake
   * rate limits count in Redis instead of this process's memory.
   */
  redis?: import('ioredis').Redis
  /** Where submissions held as spam are kept for review; default a private in-memory store closed with the app. */
  spamStore?: SpamStore
  /** Free bytes of the file system holding a folder (the store's); default fs.statfs. Tests pass their own. */
  freeDiskBytes?: (dir: string) => Promise<number>
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const limits = deps.config().limits
  const app = Fastify({
    // A client that cannot send its request in time loses the connection (408): see docs/security.md.
    requestTimeout: limits.requestTimeoutMs,
    http: {
      // Node refuses a headers timeout longer than the request timeout; the shorter one is what counts anyway.
      headersTimeout: Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs),
      requestTimeout: limits.requestTimeoutMs,
      // Node checks these timeouts on this interval (30 s by default, which would double a 30 s limit).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)))
    },
    // A malformed %-escape in the path is the client's mistake: a coded 400 like every other refusal.
    frameworkErrors: (error, _request, reply) => {
      const e = error.code === 'FST_ERR_BAD_URL' ? new BadUrlError('a "%" is not followed by two hex digits') : error
      sendJsonError(reply, toHttpError(e))
    },
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    trustProxy: deps.trustProxy ?? false,
    bodyLimit: deps.config().limits.bodyBytes,
    // Form ids are short; refuse oversized path parameters early.
    routerOptions: { maxParamLength: 100 },
    // We log facts (submission accepted, lead delivered) ourselves; per-request lines would double them.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle'
  }) as unknown as FastifyInstance
  const now = deps.now ?? Date.now

  app.setErrorHandler(async (err, request, reply) => {
    const e = toHttpError(err)
    if (e.statusCode >= 500) request.log.error({ err }, 'request failed')
    return sendJsonError(reply, e)
  })
  app.setNotFoundHandler(async (_request, reply) =>
    sendJsonError(reply, { statusCode: 404, code: 'RELAY_ERR_NOT_FOUND', message: 'Not found' }))

  // Network time, never the injected clock: a test clock that jumps must not drop connections.
  slowBodyGuard(app, { minBytesPerSecond: limits.minBodyBytesPerSecond, graceMs: limits.bodyRateGraceMs })

  // Before any route: CORS answers preflights per form; HTML answers get helmet's headers.
  await corsPerForm(app, { config: deps.config })
  await htmlSecurityHeaders(app)
  const spamStore = deps.spamStore ?? memorySpamStore()
  if (deps.spamStore === undefined) app.addHook('onClose', async () => spamStore.close())
  const metrics = deps.metrics

  // Before any route: swagger and the metrics hooks see only routes registered after them.
  await registerOpenApi(app, { version: deps.version ?? '0.0.0' })
  if (deps.metrics !== undefined) await app.register(httpMetricsHooks, { metrics: deps.metrics })
  const admin = deps.admin
  const storeFloor = createStoreFloor({
    outbox: deps.outbox,
    config: deps.config,
    now,
    log: app.log.child({ component: 'store-floor' }),
    ...(deps.freeDiskBytes !== undefined ? { freeBytes: deps.freeDiskBytes } : {})
  })
  const status = {
    config: deps.config,
    outbox: deps.outbox,
    now,
    space: storeFloor.report,
    ...(admin !== undefined ? { admin } : {}),
    ...(deps.deliveryStatus !== undefined ? { deliveryStatus: deps.deliveryStatus } : {})
  }

  // One count of failed sign-ins per client for the admin API, /metrics and the status page.
  const signIns = signInThrottle({ limit: () => deps.config().rateLimit.adminFailures, log: app.log, now })
  app.addHook('onClose', async () => signIns.close())

  const intakeOutbox = deps.metrics !== undefined ? countingOutbox(deps.outbox, deps.metrics) : deps.outbox
  await app.register(submitRoutes, {
    config: deps.config,
    outbox: intakeOutbox,
    now,
    onAccepted: deps.onAccepted ?? (() => {}),
    storeFloor,
    onKept: (form, check) => metrics?.keptValues.inc({ form, check }),
    security: { spamStore, redis: deps.redis, onSpam: (form, reason) => metrics?.spam.inc({ form, reason }) }
  })
  await app.register(healthRoutes, status)
  if (deps.metrics !== undefined) {
    await app.register(metricsRoutes, {
      ...status,
      metrics: deps.metrics,
      ...(deps.metricsToken !== undefined && deps.metricsToken !== '' ? { auth: adminAuth(deps.metricsToken, signIns) } : {})
    })
  }
  await app.register(adminRoutes, { ...status, spamStore, auth: adminAuth(deps.adminToken, signIns) })
  await app.register(statusPageRoutes, { ...status, token: deps.adminToken, throttle: signIns })
  await app.register(docsRoutes)
  await app.register(embedRoutes)
  return app
}
