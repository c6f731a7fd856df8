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
}

export async function buildApp (deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
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

  await app.register(submitRoutes, { config: deps.config, outbox: deps.outbox, now, onAccepted: deps.onAccepted ?? (() => {}) })
  await app.register(healthRoutes, { outbox: deps.outbox })
  return app
}
