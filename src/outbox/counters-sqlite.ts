/** Counters in the outbox's SQLite file: one row per key, bumped by a single UPSERT … RETURNING (atomic across processes). */
import Database from 'better-sqlite3'
import { checkModulo, turnOf, type Counters } from './counters.ts'
import { StoreError, storeFailure } from './errors.ts'
import { migrate } from './migrations.ts'

export interface SqliteCountersOptions {
  /** The outbox file (its migrations create the table), or ':memory:'. */
  path: string
  busyTimeoutMs?: number
}

export function openSqliteCounters (opts: SqliteCountersOptions): Counters {
  let db: Database.Database | undefined
  try {
    db = new Database(opts.path)
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`)
    db.pragma('journal_mode = WAL')
    // A turn lost to a power cut only skips one step of a rotation; no fsync per turn is needed.
    db.pragma('synchronous = NORMAL')
    migrate(db)
  } catch (err) {
    db?.close()
    throw storeFailure('open', err)
  }
  const conn = db
  const bump = conn.prepare<{ key: string }, { value: number }>(
    'INSERT INTO counters (key, value) VALUES (@key, 1) ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value')
  let closed = false
  return {
    next: async (key, modulo) => {
      checkModulo(modulo)
      if (closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The counters were closed')
      try {
        const row = bump.get({ key })
        return turnOf(row?.value ?? 1, modulo)
      } catch (err) {
        throw storeFailure('counter', err)
      }
    },
    close: async () => {
      if (closed) return
      closed = true
      conn.close()
    }
  }
}
