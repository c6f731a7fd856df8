/**
 * GET /metrics in Prometheus text format, and the hooks that count HTTP requests and intake
 * outcomes. Store gauges are read at scrape time, so they are right even when the worker runs in
 * another process.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import type { RelayConfig } from '../../config/schema.ts'
import type { LaneStatus } from '../../delivery/lane/portal-lane.ts'
import type { SpaceReport } from '../../intake/store-floor.ts'
import { observePortals, observeSpace, observeStore, type RelayMetrics } from '../../observability/metrics.ts'
import type { Outbox } from '../../outbox/types.ts'

const INTAKE_ROUTE = '/f/:formId'

/** Counts every request by route pattern (never the raw URL: ids would explode the label set). */
export const httpMetricsHooks = fp(async (app: FastifyInstance, opts: { metrics: RelayMetrics }) => {
  const { metrics } = opts
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const status = String(reply.statusCode)
    metrics.httpRequests.inc({ method: request.method, route, status })
    metrics.httpSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000)
    if (route === INTAKE_ROUTE && request.method === 'POST') {
      const code = reply.getHeader('x-relay-error')
      if (typeof code === 'string') {
        const form = (request.params as { formId?: unknown }).formId
        // Unknown form ids are visitor input: one label value for all of them keeps the series bounded.
        const label = code === 'RELAY_ERR_UNKNOWN_FORM' || typeof form !== 'string' ? '(unknown)' : form
        metrics.submissions.inc({ form: label, outcome: 'refused', code })
      }
    }
  })
}, { name: 'relay-http-metrics' })

/** The outbox as intake sees it, counting accepted, held (flood) and duplicate submissions per form. */
export function countingOutbox (outbox: Outbox, metrics: RelayMetrics): Outbox {
  const enqueue: Outbox['enqueue'] = async sub => {
    const result = await outbox.enqueue(sub)
    const outcome = result.duplicate ? 'duplicate' : sub.hold === true ? 'held' : 'accepted'
    metrics.submissions.inc({ form: sub.formId, outcome, code: '' })
    return result
  }
  // A proxy rather than a copy: adapters are classes with private fields, so methods stay bound to the real one.
  return new Proxy(outbox, {
    get (target, prop) {
      if (prop === 'enqueue') return enqueue
      const value: unknown = Reflect.get(target, prop, target)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

export interface MetricsRouteDeps {
  metrics: RelayMetrics
  outbox: Outbox
  config: () => RelayConfig
  deliveryStatus?: () => LaneStatus[]
  now: () => number
  /** The store's room (the intake's floor); absent in the standalone worker. */
  space?: () => Promise<SpaceReport>
  /** When set, scrapes must send `Authorization: Bearer <token>`. */
  auth?: onRequestHookHandler
}

export async function metricsRoutes (app: FastifyInstance, deps: MetricsRouteDeps): Promise<void> {
  if (deps.auth !== undefined) app.addHook('onRequest', deps.auth)
  app.get('/metrics', {
    schema: { tags: ['health'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] }
  }, async (_request, reply) => {
    try {
      observeStore(deps.metrics, await deps.outbox.stats(), deps.now(), Object.keys(deps.config().portals))
    } catch {
      // A store that does not answer must not hide the other metrics; /readyz reports the store.
    }
    if (deps.space !== undefined) observeSpace(deps.metrics, await deps.space())
    if (deps.deliveryStatus !== undefined) observePortals(deps.metrics, deps.deliveryStatus())
    const body = await deps.metrics.registry.metrics()
    return reply.type(deps.metrics.registry.contentType).send(body)
  })
}

/** A bare app with /metrics and /healthz, for the standalone worker (`npm run worker` with METRICS_PORT). */
export async function buildMetricsApp (deps: MetricsRouteDeps): Promise<FastifyInstance> {
  const app = Fastify({ logger: false })
  app.get('/healthz', async () => ({ ok: true }))
  await app.register(metricsRoutes, deps)
  return app
}
