/** The SubmissionAdmin port on the SQLite outbox's own connection: search, delete, erase, activity, write probe. */
import type { Database, Statement } from 'better-sqlite3'
import { contactMatcher } from './contact-match.ts'
import type {
  ActivityKind, ActivityQuery, ActivitySeries, ContactQuery, SubmissionAdmin, SubmissionFilter, SubmissionPage
} from './admin-types.ts'
import { storeFailure } from './errors.ts'
import { idTimePrefix } from './ids.ts'
import type { SqliteOutbox } from './sqlite.ts'
import { toSummary, type SubmissionRow } from './sqlite-statements.ts'
import type { SubmissionSummary } from './types.ts'

const ERASE_PAGE = 500
const KINDS: readonly ActivityKind[] = ['received', 'delivered', 'failed', 'dead']

export function createSqliteAdmin (outbox: SqliteOutbox): SubmissionAdmin {
  const cache = new Map<string, Statement>()
  let cachedFor: Database | undefined

  function prepared (sql: string): Statement {
    const db = outbox.connection() // throws RELAY_ERR_STORE_CLOSED after close
    if (cachedFor !== db) { cache.clear(); cachedFor = db }
    let st = cache.get(sql)
    if (st === undefined) { st = db.prepare(sql); cache.set(sql, st) }
    return st
  }

  function guard<T> (action: string, fn: () => T): T {
    try {
      return fn()
    } catch (err) {
      throw storeFailure(`admin ${action}`, err)
    }
  }

  /**
   * Deletes rows so that their text is gone from the file too: secure_delete zeroes the freed
   * space, and the checkpoint moves the pages out of the WAL, which still holds the old copies.
   */
  function removeRows (db: Database, rows: Array<{ seq: number, id: string }>): number {
    let removed = 0
    const secure = db.pragma('secure_delete', { simple: true }) as number
    db.pragma('secure_delete = ON')
    try {
      db.transaction(() => {
        for (const row of rows) {
          prepared('DELETE FROM attempts WHERE submission_seq = ?').run(row.seq)
          prepared('DELETE FROM dedupe_keys WHERE submission_id = ?').run(row.id)
          removed += prepared('DELETE FROM submissions WHERE seq = ?').run(row.seq).changes
        }
      }).immediate()
    } finally {
      db.pragma(`secure_delete = ${secure === 1 ? 'ON' : 'OFF'}`)
    }
    // Best effort: a reader in another process (the worker) may keep part of the WAL alive until its next checkpoint.
    if (db.pragma('journal_mode', { simple: true }) === 'wal') db.pragma('wal_checkpoint(TRUNCATE)')
    return removed
  }

  return {
    async list (filter: SubmissionFilter): Promise<SubmissionPage> {
      const where: string[] = []
      const params: Record<string, unknown> = { limit: Math.min(Math.max(1, filter.limit), 500) + 1 }
      if (filter.status !== undefined && filter.status.length > 0) {
        where.push(`status IN (${filter.status.map((_, i) => `@s${i}`).join(', ')})`)
        filter.status.forEach((s, i) => { params[`s${i}`] = s })
      }
      if (filter.formId !== undefined) { where.push('form_id = @formId'); params.formId = filter.formId }
      if (filter.portalId !== undefined) { where.push('portal_id = @portalId'); params.portalId = filter.portalId }
      if (filter.from !== undefined) {
        where.push('id >= @fromId AND created_at >= @from')
        params.fromId = idTimePrefix(filter.from) // ids sort by time: the primary key narrows the range, no index on created_at
        params.from = filter.from
      }
      if (filter.to !== undefined) { where.push('created_at < @to'); params.to = filter.to }
      if (filter.before !== undefined) { where.push('id < @before'); params.before = filter.before }
      const sql = `SELECT * FROM submissions ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id DESC LIMIT @limit`
      const rows = guard('list', () => prepared(sql).all(params) as SubmissionRow[])
      const limit = (params.limit as number) - 1
      const items = rows.slice(0, limit).map(toSummary)
      const last = items.at(-1)
      return rows.length > limit && last !== undefined ? { items, next: last.id } : { items }
    },

    async recentFailures (limit: number): Promise<SubmissionSummary[]> {
      return guard('recentFailures', () => (prepared(
        `SELECT * FROM submissions WHERE status = 'dead' OR (status = 'pending' AND last_error_code IS NOT NULL)
          ORDER BY updated_at DESC, seq DESC LIMIT ?`).all(limit) as SubmissionRow[]).map(toSummary))
    },

    async delete (id: string): Promise<boolean> {
      return guard('delete', () => {
        const row = prepared('SELECT seq, id FROM submissions WHERE id = ?').get(id) as { seq: number, id: string } | undefined
        return row === undefined ? false : removeRows(outbox.connection(), [row]) === 1
      })
    },

    async eraseByContact (query: ContactQuery): Promise<number> {
      const match = contactMatcher(query)
      let afterSeq = 0
      const found: Array<{ seq: number, id: string }> = []
      // Page through the table, yielding between pages so intake keeps answering during a long scan.
      for (;;) {
        const rows = guard('erase', () => prepared('SELECT seq, id, payload, meta FROM submissions WHERE seq > ? ORDER BY seq LIMIT ?')
          .all(afterSeq, ERASE_PAGE) as Array<{ seq: number, id: string, payload: string, meta: string | null }>)
        for (const row of rows) {
          const holds = match(JSON.parse(row.payload)) || (row.meta !== null && match(JSON.parse(row.meta)))
          if (holds) found.push({ seq: row.seq, id: row.id })
        }
        const last = rows.at(-1)
        if (last === undefined || rows.length < ERASE_PAGE) break
        afterSeq = last.seq
        await new Promise<void>(resolve => setImmediate(resolve))
      }
      if (found.length === 0) return 0
      return guard('erase', () => removeRows(outbox.connection(), found))
    },

    async activity (query: ActivityQuery): Promise<ActivitySeries> {
      const start = Math.floor(query.from / query.bucketMs) * query.bucketMs
      const count = Math.max(1, Math.ceil((query.to - start) / query.bucketMs))
      const buckets = Array.from({ length: count }, (_, i) => start + i * query.bucketMs)
      const counts = Object.fromEntries(KINDS.map(k => [k, new Array<number>(count).fill(0)])) as Record<ActivityKind, number[]>
      const portal = query.portalId === undefined ? '' : 'AND portal_id = @portalId'
      const rows = guard('activity', () => prepared(
        `SELECT bucket, kind, sum(n) AS n FROM activity WHERE bucket >= @from AND bucket < @to ${portal} GROUP BY bucket, kind`)
        .all({ from: start, to: start + count * query.bucketMs, ...(query.portalId !== undefined ? { portalId: query.portalId } : {}) }) as
        Array<{ bucket: number, kind: ActivityKind, n: number }>)
      for (const row of rows) {
        const i = Math.floor((row.bucket - start) / query.bucketMs)
        const series = counts[row.kind]
        if (series !== undefined && i >= 0 && i < count) series[i] = (series[i] ?? 0) + row.n
      }
      return { buckets, counts }
    },

    async probeWrite (now: number = Date.now()): Promise<void> {
      guard('probe', () => {
        prepared('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(now)
      })
    }
  }
}
