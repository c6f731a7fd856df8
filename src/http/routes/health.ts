/**
 * /healthz: the process answers. /readyz: the store is writable, plus what an operator checks first —
 * each portal's delivery state, the queue depth and the age of the oldest undelivered submission.
 */
import type { FastifyInstance } from 'fastify'
import type { RelayConfig } from '../../config/schema.ts'
import type { LaneStatus } from '../../delivery/lane/portal-lane.ts'
import type { SubmissionAdmin } from '../../outbox/admin-types.ts'
import type { Outbox, OutboxStats } from '../../outbox/types.ts'
import type { SpaceReport } from '../../intake/store-floor.ts'
import { maskText } from './admin-mask.ts'

export interface HealthDeps {
  config: () => RelayConfig
  outbox: Outbox
  /** Absent for stores without the admin port: then only a read proves the store answers. */
  admin?: SubmissionAdmin
  /** The in-process worker's lanes; absent when the worker runs in another process. */
  deliveryStatus?: () => LaneStatus[]
  /** The store's room against limits.storeBytes / minFreeDiskBytes (src/intake/store-floor.ts). */
  space?: () => Promise<SpaceReport>
  now: () => number
}

export interface PortalReport {
  /** unknown when the worker runs in another process. */
  state: LaneStatus['state'] | 'unknown'
  since: number | null
  lastError: { code: string, message: string } | null
  pending: number
  leased: number
  dead: number
}

export interface Readiness {
  ok: boolean
  store: { ok: boolean, writable: boolean | null, error?: { code: string, message: string } }
  worker: 'in-process' | 'external'
  portals: Record<string, PortalReport>
  queue: {
    pending: number
    leased: number
    due: number
    dead: number
    delivered: number
    oldestPendingAt: number | null
    oldestPendingAgeSeconds: number | null
    /** Stored while their form was flooded, not delivered until released. */
    held: number
    newestHeldAt: number | null
  } | null
  /** ok, low (warned), full (new submissions get 503 RELAY_ERR_STORE_FULL) or unknown. */
  space?: Omit<SpaceReport, 'measuredAt'>
}

/** The readiness report; also used by the status page so both tell the same story. */
export async function readiness (deps: HealthDeps): Promise<Readiness> {
  const now = deps.now()
  let stats: OutboxStats | undefined
  const store: Readiness['store'] = { ok: true, writable: null }
  try {
    if (deps.admin !== undefined) {
      await deps.admin.probeWrite(now)
      store.writable = true
    }
    stats = await deps.outbox.stats()
  } catch (err) {
    const code = (err as { code?: unknown }).code
    store.ok = false
    if (deps.admin !== undefined && store.writable === null) store.writable = false
    store.error = { code: typeof code === 'string' ? code : 'RELAY_ERR_STORE', message: 'The store does not answer or cannot be written' }
  }
  let space: Readiness['space']
  if (deps.space !== undefined) {
    const { measuredAt: _at, ...figures } = await deps.space()
    space = figures
  }
  const lanes = new Map((deps.deliveryStatus?.() ?? []).map(l => [l.portalId, l]))
  const portals: Record<string, PortalReport> = {}
  for (const portalId of new Set([...Object.keys(deps.config().portals), ...lanes.keys(), ...Object.keys(stats?.byPortal ?? {})])) {
    const lane = lanes.get(portalId)
    const q = stats?.byPortal[portalId]
    portals[portalId] = {
      state: deps.deliveryStatus === undefined ? 'unknown' : lane?.state ?? 'unknown',
      since: lane?.since ?? null,
      // /readyz is public: a portal's message may echo what a visitor typed.
      lastError: lane?.lastError == null ? null : { code: lane.lastError.code, message: maskText(lane.lastError.message) },
      pending: q?.pending ?? 0,
      leased: q?.leased ?? 0,
      dead: q?.dead ?? 0
    }
  }
  // A portal whose every call answers 404 takes submissions nowhere until someone fixes its URL: not ready.
  const notFound = Object.values(portals).some(p => p.state === 'paused_not_found')
  return {
    ok: store.ok && !notFound,
    store,
    worker: deps.deliveryStatus === undefined ? 'external' : 'in-process',
    portals,
    queue: stats === undefined
      ? null
      : {
          pending: stats.pending,
          leased: stats.leased,
          due: stats.due,
          dead: stats.dead,
          delivered: stats.delivered,
          oldestPendingAt: stats.oldestPendingAt,
          oldestPendingAgeSeconds: stats.oldestPendingAt === null ? null : Math.max(0, Math.round((now - stats.oldestPendingAt) / 1000)),
          held: stats.held,
          newestHeldAt: stats.newestHeldAt
        },
    ...(space !== undefined ? { space } : {})
  }
}

export async function healthRoutes (app: FastifyInstance, deps: HealthDeps): Promise<void> {
  app.get('/healthz', {
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process answers',
      response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } }
    }
  }, async () => ({ ok: true }))
  app.get('/readyz', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: the store is writable; portal states, queue depth, oldest pending age',
      description: '200 while the store can be written and no portal answers 404 to every call ' +
        '(other portal trouble does not make the relay unready: intake still works), 503 otherwise.'
    }
  }, async (_request, reply) => {
    const report = await readiness(deps)
    return reply.code(report.ok ? 200 : 503).send(report)
  })
}
