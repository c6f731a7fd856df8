/** The SQLite outbox's prepared statements and the mappers that keep snake_case rows inside the adapter. */
import type { Database } from 'better-sqlite3'
import type {
  AttemptOutcome, AttemptRecord, ClaimedSubmission, OutboxStats, StoredError, SubmissionStatus, SubmissionSummary
} from './types.ts'

export interface SubmissionRow {
  seq: number
  id: string
  form_id: string
  portal_id: string
  payload: string
  meta: string | null
  dedupe_key: string | null
  status: SubmissionStatus
  attempts: number
  outcome_unknown: number
  next_attempt_at: number
  lease_token: string | null
  lease_until: number | null
  lead_id: number | null
  /** Since migration 3. */
  deal_id?: number | null
  last_error_code: string | null
  last_error_message: string | null
  created_at: number
  updated_at: number
  delivered_at: number | null
}

interface AttemptRow {
  attempt: number
  started_at: number
  ended_at: number | null
  outcome: AttemptOutcome
  error_code: string | null
  error_message: string | null
}

export interface CountRow { status: SubmissionStatus, portal_id: string, n: number }

const DUE_COLUMNS = 'seq, id, form_id, portal_id, payload, attempts, outcome_unknown, created_at, status, lease_token'

// Two index ranges (status = 'pending', status = 'leased') rather than an OR that would scan.
const dueSql = (portalFilter: string): string => `
  SELECT ${DUE_COLUMNS} FROM submissions
    WHERE status = 'pending' AND next_attempt_at <= @now ${portalFilter}
  UNION ALL
  SELECT ${DUE_COLUMNS} FROM submissions
    WHERE status = 'leased' AND lease_until <= @now ${portalFilter}
  ORDER BY created_at, seq LIMIT @limit`

const CLEAR_LEASE = 'lease_token = NULL, lease_until = NULL, updated_at = @now'
const OWNED = "WHERE id = @id AND status = 'leased' AND lease_token = @token RETURNING seq"

/** Prepares every statement once per connection. */
export function prepareStatements (db: Database) {
  return {
    insert: db.prepare<{
      id: string,
      formId: string,
      portalId: string,
      payload: string,
      meta: string | null,
      dedupeKey: string | null,
      status: 'pending' | 'held',
      now: number
    }>(`INSERT INTO submissions (id, form_id, portal_id, payload, meta, dedupe_key, status,
          next_attempt_at, created_at, updated_at)
        VALUES (@id, @formId, @portalId, @payload, @meta, @dedupeKey, @status, @now, @now, @now)`),
    findDedupe: db.prepare<[string, number], { submission_id: string, fingerprint: string | null }>(
      'SELECT submission_id, fingerprint FROM dedupe_keys WHERE key = ? AND expires_at > ?'),
    putDedupe: db.prepare<[string, string, number, string | null]>(
      `INSERT INTO dedupe_keys (key, submission_id, expires_at, fingerprint) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET submission_id = excluded.submission_id, expires_at = excluded.expires_at,
          fingerprint = excluded.fingerprint`),
    pruneDedupe: db.prepare<[number, number]>(
      'DELETE FROM dedupe_keys WHERE key IN (SELECT key FROM dedupe_keys WHERE expires_at <= ? LIMIT ?)'),

    dueAll: db.prepare<{ now: number, limit: number }, DueRow>(dueSql('')),
    duePortal: db.prepare<{ now: number, limit: number, portalId: string }, DueRow>(
      dueSql('AND portal_id = @portalId')),
    lease: db.prepare<{ seq: number, token: string, leaseUntil: number, expired: number, now: number }, {
      attempts: number, outcome_unknown: number
    }>(`UPDATE submissions SET status = 'leased', lease_token = @token, lease_until = @leaseUntil,
          attempts = attempts + 1, outcome_unknown = outcome_unknown | @expired, updated_at = @now
        WHERE seq = @seq RETURNING attempts, outcome_unknown`),
    startAttempt: db.prepare<{ seq: number, token: string, attempt: number, now: number }>(
      `INSERT INTO attempts (submission_seq, lease_token, attempt, started_at, outcome)
        VALUES (@seq, @token, @attempt, @now, 'in_flight')`),
    endAttempt: db.prepare<{
      seq: number, token: string, outcome: AttemptOutcome, now: number, code: string | null, message: string | null
    }>(`UPDATE attempts SET outcome = @outcome, ended_at = @now, error_code = @code, error_message = @message
        WHERE submission_seq = @seq AND lease_token = @token AND outcome = 'in_flight'`),

    filePayload: db.prepare<[number], { payload: string }>(
      'SELECT payload FROM submissions WHERE seq = ? AND instr(payload, \'"content"\') > 0'),
    setPayload: db.prepare<[string, number]>('UPDATE submissions SET payload = ? WHERE seq = ?'),
    complete: db.prepare<{ id: string, token: string, leadId: number, dealId: number | null, now: number }, { seq: number }>(
      `UPDATE submissions SET status = 'delivered', lead_id = @leadId, deal_id = @dealId, delivered_at = @now, ${CLEAR_LEASE} ${OWNED}`),
    retry: db.prepare<{
      id: string, token: string, at: number, unknown: number, code: string, message: string, now: number
    }, { seq: number }>(
      `UPDATE submissions SET status = 'pending', next_attempt_at = @at, outcome_unknown = outcome_unknown | @unknown,
          last_error_code = @code, last_error_message = @message, ${CLEAR_LEASE} ${OWNED}`),
    release: db.prepare<{ id: string, token: string, now: number }, { seq: number }>(
      `UPDATE submissions SET status = 'pending', attempts = attempts - 1,
          next_attempt_at = MIN(next_attempt_at, @now), ${CLEAR_LEASE} ${OWNED}`),
    dead: db.prepare<{ id: string, token: string, code: string, message: string, now: number }, { seq: number }>(
      `UPDATE submissions SET status = 'dead', last_error_code = @code, last_error_message = @message,
          ${CLEAR_LEASE} ${OWNED}`),
    requeueDead: db.prepare<{ id: string, now: number }>(
      `UPDATE submissions SET status = 'pending', attempts = 0, next_attempt_at = @now, updated_at = @now
        WHERE id = @id AND status = 'dead'`),

    byId: db.prepare<[string], SubmissionRow>('SELECT * FROM submissions WHERE id = ?'),
    history: db.prepare<[number], AttemptRow>('SELECT * FROM attempts WHERE submission_seq = ? ORDER BY seq'),
    deadAll: db.prepare<[number, number], SubmissionRow>(
      "SELECT * FROM submissions WHERE status = 'dead' ORDER BY created_at, seq LIMIT ? OFFSET ?"),
    deadPortal: db.prepare<[string, number, number], SubmissionRow>(
      "SELECT * FROM submissions WHERE status = 'dead' AND portal_id = ? ORDER BY created_at, seq LIMIT ? OFFSET ?"),
    releaseHeld: db.prepare<{ limit: number, formId: string | null, now: number }>(
      `UPDATE submissions SET status = 'pending', next_attempt_at = @now, updated_at = @now
        WHERE seq IN (SELECT seq FROM submissions WHERE status = 'held' AND (@formId IS NULL OR form_id = @formId)
          ORDER BY created_at, seq LIMIT @limit)`),
    heldSeqs: db.prepare<{ limit: number, formId: string | null }, { seq: number }>(
      `SELECT seq FROM submissions WHERE status = 'held' AND (@formId IS NULL OR form_id = @formId)
        ORDER BY created_at, seq LIMIT @limit`),
    expiredSeqs: db.prepare<{ status: SubmissionStatus, before: number, limit: number }, { seq: number }>(
      'SELECT seq FROM submissions WHERE status = @status AND updated_at < @before ORDER BY updated_at LIMIT @limit'),
    deleteAttempts: db.prepare<[number]>('DELETE FROM attempts WHERE submission_seq = ?'),
    deleteSubmission: db.prepare<[number]>('DELETE FROM submissions WHERE seq = ?'),
    newestHeld: db.prepare<[], { newest: number | null }>(
      "SELECT max(updated_at) AS newest FROM submissions WHERE status = 'held'"),
    counts: db.prepare<[], CountRow>('SELECT status, portal_id, n FROM status_counts WHERE n > 0'),
    heldCount: db.prepare<[], { n: number }>("SELECT coalesce(sum(n), 0) AS n FROM status_counts WHERE status = 'held'"),
    oldest: db.prepare<[], { oldest: number | null }>(
      "SELECT min(created_at) AS oldest FROM submissions WHERE status IN ('pending', 'leased')"),
    due: db.prepare<{ now: number }, { n: number }>(
      `SELECT (SELECT count(*) FROM submissions WHERE status = 'pending' AND next_attempt_at <= @now)
            + (SELECT count(*) FROM submissions WHERE status = 'leased' AND lease_until <= @now) AS n`)
  }
}

export type Statements = ReturnType<typeof prepareStatements>

export interface DueRow {
  seq: number
  id: string
  form_id: string
  portal_id: string
  payload: string
  attempts: number
  outcome_unknown: number
  created_at: number
  status: 'pending' | 'leased'
  lease_token: string | null
}

const storedError = (code: string | null, message: string | null): StoredError | null =>
  code === null ? null : { code, message: message ?? '' }

export function toSummary (row: SubmissionRow): SubmissionSummary {
  return {
    id: row.id,
    formId: row.form_id,
    portalId: row.portal_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    meta: row.meta === null ? null : JSON.parse(row.meta) as Record<string, unknown>,
    dedupeKey: row.dedupe_key,
    status: row.status,
    attempts: row.attempts,
    outcomeUnknown: row.outcome_unknown === 1,
    nextAttemptAt: row.next_attempt_at,
    leaseUntil: row.lease_until,
    leadId: row.lead_id,
    dealId: row.deal_id ?? null,
    lastError: storedError(row.last_error_code, row.last_error_message),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    deliveredAt: row.delivered_at
  }
}

export function toAttempt (row: AttemptRow): AttemptRecord {
  return {
    attempt: row.attempt,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    outcome: row.outcome,
    error: storedError(row.error_code, row.error_message)
  }
}

export function toClaimed (
  row: DueRow, leased: { attempts: number, outcome_unknown: number }, leaseToken: string, leaseUntil: number
): ClaimedSubmission {
  return {
    id: row.id,
    formId: row.form_id,
    portalId: row.portal_id,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    attempts: leased.attempts,
    createdAt: row.created_at,
    leaseToken,
    leaseUntil,
    outcomeUnknown: leased.outcome_unknown === 1
  }
}

export function toStats (counts: CountRow[], due: number, oldestPendingAt: number | null, newestHeldAt: number | null): OutboxStats {
  const stats: OutboxStats = {
    pending: 0, leased: 0, delivered: 0, dead: 0, held: 0, newestHeldAt, due, oldestPendingAt, byPortal: {}
  }
  for (const { status, portal_id: portal, n } of counts) {
    stats[status] += n
    if (status === 'delivered' || status === 'held') continue
    const p = (stats.byPortal[portal] ??= { pending: 0, leased: 0, dead: 0 })
    p[status] += n
  }
  return stats
}
