/**
 * The SQLite spam store: one small STRICT table in its own file (never the outbox's), written with
 * synchronous=NORMAL because spam is kept for review, not promised to anyone.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import type { SubmittedValues } from '../intake/submitted-values.ts'
import { sqlitePathOf } from '../outbox/store-url.ts'
import type { SpamListOptions, SpamReason, SpamRecord, SpamStore } from './spam-store.ts'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS spam (
  id TEXT PRIMARY KEY,
  form_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT,
  received_at INTEGER NOT NULL,
  ip TEXT,
  user_agent TEXT,
  referer TEXT,
  origin TEXT,
  values_json TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS spam_received ON spam (received_at);
CREATE INDEX IF NOT EXISTS spam_form_received ON spam (form_id, received_at);
`

interface Row {
  id: string
  form_id: string
  reason: string
  detail: string | null
  received_at: number
  ip: string | null
  user_agent: string | null
  referer: string | null
  origin: string | null
  values_json: string
}

function toRecord (row: Row): SpamRecord {
  const values = Object.assign(Object.create(null) as SubmittedValues, JSON.parse(row.values_json) as SubmittedValues)
  return {
    id: row.id,
    formId: row.form_id,
    reason: row.reason as SpamReason,
    receivedAt: row.received_at,
    values,
    ...(row.detail !== null ? { detail: row.detail } : {}),
    ...(row.ip !== null ? { ip: row.ip } : {}),
    ...(row.user_agent !== null ? { userAgent: row.user_agent } : {}),
    ...(row.referer !== null ? { referer: row.referer } : {}),
    ...(row.origin !== null ? { origin: row.origin } : {})
  }
}

/** Where the relay process keeps spam: `spam.path`, else beside a SQLite outbox file, else ./data/spam.db. */
export function spamStorePath (config: { spam: { path?: string | undefined }, outbox: { url: string } }): string {
  if (config.spam.path !== undefined) return config.spam.path
  const outboxPath = sqlitePathOf(config.outbox.url)
  if (outboxPath !== undefined) {
    if (outboxPath === ':memory:') return ':memory:'
    return outboxPath.replace(/(\.db|\.sqlite3?)?$/, '-spam$1')
  }
  return './data/spam.db'
}

/** Opens (creating if needed) the spam store; `:memory:` keeps it private to this handle. */
export function openSqliteSpamStore (path: string): SpamStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const db = new Database(path)
  db.pragma('busy_timeout = 5000')
  if (path !== ':memory:') db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec(SCHEMA)
  const insert = db.prepare(
    `INSERT OR IGNORE INTO spam (id, form_id, reason, detail, received_at, ip, user_agent, referer, origin, values_json)
    VALUES (@id, @formId, @reason, @detail, @receivedAt, @ip, @userAgent, @referer, @origin, @values)`)
  const byId = db.prepare('SELECT * FROM spam WHERE id = ?')
  const page = db.prepare(`SELECT * FROM spam WHERE (@formId IS NULL OR form_id = @formId) AND received_at < @before
    ORDER BY received_at DESC, id DESC LIMIT @limit`)
  const counts = db.prepare('SELECT reason, COUNT(*) AS n FROM spam GROUP BY reason')
  const prune = db.prepare('DELETE FROM spam WHERE received_at < ?')
  const all = db.prepare('SELECT id, values_json FROM spam')
  const remove = db.prepare('DELETE FROM spam WHERE id = ?')
  let open = true

  return {
    add: async (r) => {
      insert.run({
        id: r.id,
        formId: r.formId,
        reason: r.reason,
        detail: r.detail ?? null,
        receivedAt: r.receivedAt,
        ip: r.ip ?? null,
        userAgent: r.userAgent ?? null,
        referer: r.referer ?? null,
        origin: r.origin ?? null,
        values: JSON.stringify(r.values)
      })
    },
    get: async (id) => {
      const row = byId.get(id) as Row | undefined
      return row === undefined ? undefined : toRecord(row)
    },
    list: async (opts: SpamListOptions = {}) => {
      const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 50)), 500)
      const rows = page.all({ formId: opts.formId ?? null, before: opts.before ?? Number.MAX_SAFE_INTEGER, limit }) as Row[]
      return rows.map(toRecord)
    },
    counts: async () => {
      const out: Partial<Record<SpamReason, number>> = {}
      for (const row of counts.all() as Array<{ reason: SpamReason, n: number }>) out[row.reason] = row.n
      return out
    },
    prune: async (olderThan) => prune.run(olderThan).changes,
    erase: async (matches) => {
      // Spam is short-lived and small (pruned after spam.keepMs), so one scan is fine.
      const ids = (all.all() as Array<{ id: string, values_json: string }>)
        .filter(row => matches(JSON.parse(row.values_json) as SubmittedValues)).map(row => row.id)
      db.transaction(() => { for (const id of ids) remove.run(id) })()
      return ids.length
    },
    close: async () => {
      if (open) db.close()
      open = false
    }
  }
}
