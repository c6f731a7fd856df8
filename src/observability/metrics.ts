/**
 * The relay's Prometheus metrics, registered on a registry the caller owns (never the global one),
 * so tests and several apps in one process never share counters. Handles are passed through deps.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { BITRIX_ERROR_CODES } from '../bitrix/errors.ts'
import type { OutboxStats } from '../outbox/types.ts'

/** What one delivery lane reports; the worker hands each lane this subset. */
export interface LaneMetrics {
  /** outcome: delivered | recovered (found by ORIGIN_ID) | retry | dead | released */
  deliveries: Counter<'portal' | 'outcome'>
  /** class: the Bitrix24 error kind behind a scheduled retry (server, network, timeout, operation_limit…). */
  retries: Counter<'portal' | 'class'>
  /** method: batch, crm.lead.list, crm.lead.fields; outcome: ok or the error kind. */
  b24CallSeconds: Histogram<'portal' | 'method' | 'outcome'>
  /** crm.lead.add commands per batch call. */
  batchSize: Histogram<'portal'>
}

/** Counts a spam submission under both the spam counter and submissions{outcome="spam"}. */
export interface SpamCounter {
  inc: (labels: { form: string, reason: string }, value?: number) => void
}

export interface RelayMetrics extends LaneMetrics {
  registry: Registry
  /** outcome: accepted | held (flood) | duplicate | refused | spam; code: the refusal's RELAY_ERR_* code, else "". */
  submissions: Counter<'form' | 'outcome' | 'code'>
  spam: SpamCounter
  /** Values that failed their check (e-mail, date, amount, id, dictionary, length) and were kept in COMMENTS. */
  keptValues: Counter<'form' | 'check'>
  /** Pending + leased submissions per portal, read from the store at scrape time. */
  queueDepth: Gauge<'portal'>
  deadLetters: Gauge<'portal'>
  /** Submissions held because their form was flooded (not delivered until released). */
  heldSubmissions: Gauge
  oldestPendingAgeSeconds: Gauge
  /** What the store takes, its free disk, and 0 ok / 1 low (warned) / 2 full (refusing new submissions). */
  storeBytes: Gauge
  storeFreeDiskBytes: Gauge
  storeSpaceState: Gauge
  /** 1 for the portal's current state (ok, paused_auth, paused_not_found, rate_limited, unreachable), 0 for the others. */
  portalState: Gauge<'portal' | 'state'>
  httpRequests: Counter<'method' | 'route' | 'status'>
  httpSeconds: Histogram<'method' | 'route'>
}

export const PORTAL_STATES = ['ok', 'paused_auth', 'paused_not_found', 'rate_limited', 'unreachable'] as const

export function createMetrics (registry: Registry): RelayMetrics {
  const registers = [registry]
  const submissions = new Counter({
    name: 'relay_submissions_total',
    help: 'Form submissions by form and outcome (accepted, held during a flood, duplicate, refused, spam); code is the refusal code',
    labelNames: ['form', 'outcome', 'code'] as const,
    registers
  })
  const spamRejected = new Counter({
    name: 'relay_spam_rejected_total',
    help: 'Submissions recognised as spam (answered as accepted, never delivered), by form and reason',
    labelNames: ['form', 'reason'] as const,
    registers
  })
  return {
    registry,
    submissions,
    spam: {
      inc: (labels, value = 1) => {
        spamRejected.inc(labels, value)
        submissions.inc({ form: labels.form, outcome: 'spam', code: '' }, value)
      }
    },
    keptValues: new Counter({
      name: 'relay_values_kept_total',
      help: 'Submitted values that failed their check and were kept as typed in COMMENTS; the lead was delivered',
      labelNames: ['form', 'check'] as const,
      registers
    }),
    deliveries: new Counter({
      name: 'relay_deliveries_total',
      help: 'Delivery outcomes per submission and portal: delivered, recovered (found by ORIGIN_ID), retry, dead, released',
      labelNames: ['portal', 'outcome'] as const,
      registers
    }),
    retries: new Counter({
      name: 'relay_delivery_retries_total',
      help: 'Retries scheduled, by portal and Bitrix24 error class',
      labelNames: ['portal', 'class'] as const,
      registers
    }),
    b24CallSeconds: new Histogram({
      name: 'relay_b24_call_duration_seconds',
      help: 'Duration of Bitrix24 REST calls, by portal, method and outcome',
      labelNames: ['portal', 'method', 'outcome'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers
    }),
    batchSize: new Histogram({
      name: 'relay_batch_size',
      help: 'crm.lead.add commands per batch call',
      labelNames: ['portal'] as const,
      buckets: [1, 2, 5, 10, 20, 30, 40, 50],
      registers
    }),
    queueDepth: new Gauge({
      name: 'relay_queue_depth',
      help: 'Submissions waiting for delivery (pending or leased), by portal',
      labelNames: ['portal'] as const,
      registers
    }),
    deadLetters: new Gauge({
      name: 'relay_dead_letters',
      help: 'Dead-lettered submissions waiting for an operator, by portal',
      labelNames: ['portal'] as const,
      registers
    }),
    heldSubmissions: new Gauge({
      name: 'relay_held_submissions',
      help: 'Submissions held because their form was over its per-form limit (a flood); delivered once released',
      registers
    }),
    storeBytes: new Gauge({
      name: 'relay_store_bytes',
      help: 'Size of the store: SQLite database and WAL files, or Redis used_memory',
      registers
    }),
    storeFreeDiskBytes: new Gauge({
      name: 'relay_store_free_disk_bytes',
      help: 'Free bytes on the disk of the SQLite store (absent for Redis)',
      registers
    }),
    storeSpaceState: new Gauge({
      name: 'relay_store_space_state',
      help: 'Room in the store: 0 ok, 1 low (under 20 % of limits.storeBytes or twice minFreeDiskBytes), 2 full (new submissions refused)',
      registers
    }),
    oldestPendingAgeSeconds: new Gauge({
      name: 'relay_oldest_pending_age_seconds',
      help: 'Age of the oldest submission not yet delivered (0 when none waits)',
      registers
    }),
    portalState: new Gauge({
      name: 'relay_portal_state',
      help: 'Current delivery state of each portal (1 = in this state); only where the worker runs',
      labelNames: ['portal', 'state'] as const,
      registers
    }),
    httpRequests: new Counter({
      name: 'relay_http_requests_total',
      help: 'HTTP requests by method, route pattern and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers
    }),
    httpSeconds: new Histogram({
      name: 'relay_http_request_duration_seconds',
      help: 'HTTP request duration by method and route pattern',
      labelNames: ['method', 'route'] as const,
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers
    })
  }
}

/**
 * Sets the store gauges from one stats snapshot. Gauges are reset first so a portal whose queue
 * emptied reports 0 rather than its last value.
 */
export function observeStore (metrics: RelayMetrics, stats: OutboxStats, now: number, portals: readonly string[]): void {
  metrics.queueDepth.reset()
  metrics.deadLetters.reset()
  const names = new Set([...portals, ...Object.keys(stats.byPortal)])
  for (const portal of names) {
    const p = stats.byPortal[portal]
    metrics.queueDepth.set({ portal }, (p?.pending ?? 0) + (p?.leased ?? 0))
    metrics.deadLetters.set({ portal }, p?.dead ?? 0)
  }
  metrics.oldestPendingAgeSeconds.set(stats.oldestPendingAt === null ? 0 : Math.max(0, (now - stats.oldestPendingAt) / 1000))
  metrics.heldSubmissions.set(stats.held)
}

const SPACE_STATE_VALUE: Record<string, number> = { ok: 0, low: 1, full: 2 }

/** Sets the store space gauges from one measurement (src/intake/store-floor.ts). */
export function observeSpace (
  metrics: RelayMetrics, space: { state: string, storeBytes: number | null, freeDiskBytes: number | null }
): void {
  if (space.storeBytes !== null) metrics.storeBytes.set(space.storeBytes)
  if (space.freeDiskBytes !== null) metrics.storeFreeDiskBytes.set(space.freeDiskBytes)
  const value = SPACE_STATE_VALUE[space.state]
  if (value !== undefined) metrics.storeSpaceState.set(value)
}

/** Sets relay_portal_state from the lanes' status (only where the worker runs). */
export function observePortals (metrics: RelayMetrics, lanes: ReadonlyArray<{ portalId: string, state: string }>): void {
  metrics.portalState.reset()
  for (const lane of lanes) {
    for (const state of PORTAL_STATES) metrics.portalState.set({ portal: lane.portalId, state }, lane.state === state ? 1 : 0)
  }
}

const CLASS_BY_CODE: Record<string, string> = Object.fromEntries(Object.entries(BITRIX_ERROR_CODES).map(([kind, code]) => [code, kind]))

/** The error class label of a stored error code: the Bitrix24 error kind, else "other". */
export function errorClass (code: string): string {
  return CLASS_BY_CODE[code] ?? 'other'
}
