/** Turns BullMQ jobs, their states and their logs (the attempt history) into the port's records. */
import { attemptsOf, isHeld, readFailure, unknownOf, type SubmissionJob } from './bullmq-jobs.ts'
import type { AttemptOutcome, AttemptRecord, StoredError, SubmissionRecord, SubmissionStatus, SubmissionSummary } from './types.ts'

/**
 * The attempt history lives in the job's BullMQ log, one JSON row per event: a claim writes a
 * start row, a report that ended it an end row; both name the lease by its tag, so rows from a
 * release and the next claim that raced it still pair up. A lease that ran out has no end row.
 */
interface StartRow { t: string, a: number, s: number, l: number }
interface EndRow { t: string, e: number, o: AttemptOutcome, err?: StoredError }

export function startRow (tag: string, attempt: number, startedAt: number, leaseMs: number): string {
  return JSON.stringify({ t: tag, a: attempt, s: startedAt, l: leaseMs } satisfies StartRow)
}

export function endRow (tag: string, endedAt: number, outcome: AttemptOutcome, error?: StoredError): string {
  const withError = error !== undefined ? { err: { code: error.code, message: error.message } } : {}
  return JSON.stringify({ t: tag, e: endedAt, o: outcome, ...withError } satisfies EndRow)
}

/** BullMQ's job state in the port's words; a dead letter is a failed job. */
export function statusOf (state: string): SubmissionStatus {
  if (state === 'active') return 'leased'
  if (state === 'completed') return 'delivered'
  if (state === 'failed') return 'dead'
  return 'pending'
}

export interface FoldedHistory {
  history: AttemptRecord[]
  /** When the current lease ends, if the job is active and its claim was logged. */
  leaseUntil: number | null
  /** The latest time any row names. */
  lastAt: number | null
}

export function foldHistory (rows: string[], active: boolean): FoldedHistory {
  const records: Array<AttemptRecord & { until: number }> = []
  const byTag = new Map<string, AttemptRecord & { until: number }>()
  let lastAt: number | null = null
  for (const text of rows) {
    let row: Partial<StartRow & EndRow>
    try {
      row = JSON.parse(text) as Partial<StartRow & EndRow>
    } catch {
      continue
    }
    if (typeof row.s === 'number') {
      const rec = {
        attempt: row.a ?? 0,
        startedAt: row.s,
        endedAt: null,
        outcome: 'in_flight' as AttemptOutcome,
        error: null,
        until: row.s + (row.l ?? 0)
      }
      records.push(rec)
      if (row.t !== undefined) byTag.set(row.t, rec)
      lastAt = Math.max(lastAt ?? 0, row.s)
    } else if (typeof row.e === 'number' && row.o !== undefined) {
      const rec = row.t === undefined ? undefined : byTag.get(row.t)
      if (rec?.outcome === 'in_flight') {
        rec.outcome = row.o
        rec.endedAt = row.e
        rec.error = row.err === undefined ? null : { code: row.err.code, message: row.err.message }
      }
      lastAt = Math.max(lastAt ?? 0, row.e)
    }
  }
  // A claim that never reported ran out of lease; the next claim took over when it started.
  records.forEach((rec, i) => {
    const next = records[i + 1]
    if (rec.outcome !== 'in_flight') return
    if (next !== undefined) {
      rec.outcome = 'lease_expired'
      rec.endedAt = next.startedAt
    } else if (!active) {
      rec.outcome = 'lease_expired'
    }
  })
  const last = records.at(-1)
  return {
    history: records.map(({ until: _until, ...rec }) => rec),
    leaseUntil: active && last?.outcome === 'in_flight' ? last.until : null,
    lastAt
  }
}

export function toSummary (
  job: SubmissionJob, state: string, extra: { leaseUntil?: number | null, lastAt?: number | null } = {}
): SubmissionSummary {
  const d = job.data
  // A held submission is a job delayed to HELD_AT.
  const status = isHeld(job, state) ? 'held' : statusOf(state)
  const failure = readFailure(job)
  const result = status === 'delivered' ? job.returnvalue : null
  const times = [job.timestamp, job.processedOn, job.finishedOn, d.carried?.requeuedAt, extra.lastAt]
    .filter((t): t is number => typeof t === 'number' && Number.isFinite(t))
  return {
    id: job.id ?? '',
    formId: d.formId,
    portalId: d.portalId,
    payload: d.payload,
    meta: d.meta ?? null,
    dedupeKey: d.dedupeKey ?? null,
    status,
    attempts: attemptsOf(job, status === 'leased'),
    outcomeUnknown: unknownOf(job),
    nextAttemptAt: failure?.at ?? d.carried?.requeuedAt ?? d.createdAt,
    leaseUntil: status === 'leased' ? extra.leaseUntil ?? null : null,
    leadId: result?.leadId ?? null,
    dealId: result?.dealId ?? null,
    lastError: failure !== null ? { code: failure.code, message: failure.message } : d.carried?.lastError ?? null,
    createdAt: d.createdAt,
    updatedAt: Math.max(d.createdAt, ...times),
    deliveredAt: status === 'delivered' ? job.finishedOn ?? null : null
  }
}

export function toRecord (job: SubmissionJob, state: string, logRows: string[]): SubmissionRecord {
  const folded = foldHistory(logRows, state === 'active')
  return { ...toSummary(job, state, folded), history: folded.history }
}
