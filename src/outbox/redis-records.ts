/** Turns the Redis outbox's hashes and script replies into the port's records, keeping field names inside the adapter. */
import type {
  AttemptOutcome, AttemptRecord, ClaimedSubmission, OutboxStats, StoredError, SubmissionStatus, SubmissionSummary
} from './types.ts'

const STATUSES: SubmissionStatus[] = ['pending', 'leased', 'delivered', 'dead']

const num = (v: string | undefined): number | null => v === undefined || v === '' ? null : Number(v)
const json = (v: string): Record<string, unknown> => JSON.parse(v) as Record<string, unknown>

export function toSummary (h: Record<string, string>): SubmissionSummary {
  const status = h.status as SubmissionStatus
  return {
    id: h.id ?? '',
    formId: h.form ?? '',
    portalId: h.portal ?? '',
    payload: json(h.payload ?? '{}'),
    meta: h.meta === undefined ? null : json(h.meta),
    dedupeKey: h.dedupe ?? null,
    status,
    attempts: Number(h.attempts ?? 0),
    outcomeUnknown: h.unknown === '1',
    nextAttemptAt: Number(h.next ?? 0),
    leaseUntil: status === 'leased' ? num(h.until) : null,
    leadId: num(h.lead),
    lastError: h.errCode === undefined ? null : { code: h.errCode, message: h.errMessage ?? '' },
    createdAt: Number(h.created ?? 0),
    updatedAt: Number(h.updated ?? 0),
    deliveredAt: num(h.delivered)
  }
}

export function toAttempt (text: string): AttemptRecord {
  const a = JSON.parse(text) as { attempt: number, startedAt: number, endedAt?: number, outcome: AttemptOutcome, error?: StoredError }
  return {
    attempt: a.attempt,
    startedAt: a.startedAt,
    endedAt: a.endedAt ?? null,
    outcome: a.outcome,
    error: a.error === undefined ? null : { code: a.error.code, message: a.error.message }
  }
}

/** One row of the claim script's reply, and whether it took over a lease that had run out. */
export function toClaimed (row: unknown[]): { claimed: ClaimedSubmission, expired: boolean } {
  const [id, formId, portalId, payload, attempts, createdAt, leaseToken, leaseUntil, unknown, expired] = row as
    [string, string, string, string, number, string, string, number, number, number]
  return {
    claimed: {
      id, formId, portalId, payload: json(payload), attempts: Number(attempts), createdAt: Number(createdAt),
      leaseToken, leaseUntil: Number(leaseUntil), outcomeUnknown: Number(unknown) === 1
    },
    expired: Number(expired) === 1
  }
}

/** The stats script's reply: four flat "portal, n" lists (pending, leased, delivered, dead), the due count, the oldest open createdAt. */
export function toStats (reply: unknown[]): OutboxStats {
  const stats: OutboxStats = {
    pending: 0, leased: 0, delivered: 0, dead: 0, due: Number(reply[4] ?? 0),
    oldestPendingAt: reply[5] === '' || reply[5] === undefined ? null : Number(reply[5]), byPortal: {}
  }
  STATUSES.forEach((status, i) => {
    const flat = (reply[i] ?? []) as string[]
    for (let k = 0; k + 1 < flat.length; k += 2) {
      const portal = flat[k] as string
      const n = Number(flat[k + 1])
      if (!(n > 0)) continue
      stats[status] += n
      if (status === 'delivered') continue
      const p = (stats.byPortal[portal] ??= { pending: 0, leased: 0, dead: 0 })
      p[status] += n
    }
  })
  return stats
}
