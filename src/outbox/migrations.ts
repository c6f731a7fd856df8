/** The SQLite outbox schema, versioned with PRAGMA user_version. Append migrations; never edit one. */
import type { Database } from 'better-sqlite3'
import { StoreError } from './errors.ts'

export interface Migration {
  version: number
  name: string
  sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'submissions, attempts, dedupe keys',
    sql: `
      CREATE TABLE submissions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        form_id TEXT NOT NULL,
        portal_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        meta TEXT,
        dedupe_key TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'delivered', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        outcome_unknown INTEGER NOT NULL DEFAULT 0 CHECK (outcome_unknown IN (0, 1)),
        next_attempt_at INTEGER NOT NULL,
        lease_token TEXT,
        lease_until INTEGER,
        lead_id INTEGER,
        last_error_code TEXT,
        last_error_message TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        delivered_at INTEGER
      ) STRICT;
      -- Serves claims (few rows are pending or leased at a time) and stats (a covering scan).
      CREATE INDEX submissions_status ON submissions (status, portal_id, created_at);

      -- Kept by triggers so stats cost the same with a million delivered rows as with ten.
      CREATE TABLE status_counts (
        status TEXT NOT NULL,
        portal_id TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (status, portal_id)
      ) STRICT, WITHOUT ROWID;
      CREATE TRIGGER submissions_counted AFTER INSERT ON submissions BEGIN
        INSERT INTO status_counts (status, portal_id, n) VALUES (NEW.status, NEW.portal_id, 1)
          ON CONFLICT (status, portal_id) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER submissions_recounted AFTER UPDATE OF status ON submissions
        WHEN OLD.status <> NEW.status BEGIN
        UPDATE status_counts SET n = n - 1 WHERE status = OLD.status AND portal_id = OLD.portal_id;
        INSERT INTO status_counts (status, portal_id, n) VALUES (NEW.status, NEW.portal_id, 1)
          ON CONFLICT (status, portal_id) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER submissions_uncounted AFTER DELETE ON submissions BEGIN
        UPDATE status_counts SET n = n - 1 WHERE status = OLD.status AND portal_id = OLD.portal_id;
      END;

      CREATE TABLE attempts (
        seq INTEGER PRIMARY KEY,
        submission_seq INTEGER NOT NULL REFERENCES submissions (seq),
        lease_token TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        ended_at INTEGER,
        outcome TEXT NOT NULL
          CHECK (outcome IN ('in_flight', 'delivered', 'retry', 'dead', 'released', 'lease_expired')),
        error_code TEXT,
        error_message TEXT
      ) STRICT;
      CREATE UNIQUE INDEX attempts_lease ON attempts (submission_seq, lease_token);

      CREATE TABLE dedupe_keys (
        key TEXT PRIMARY KEY,
        submission_id TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX dedupe_keys_expiry ON dedupe_keys (expires_at);
    `
  }
]

/**
 * Brings the file up to the latest version. The version is read again inside an IMMEDIATE
 * transaction, so a server and a worker opening a new file at the same moment migrate it once.
 * Returns the versions applied.
 */
export function migrate (db: Database, list: readonly Migration[] = migrations): number[] {
  const latest = list.at(-1)?.version ?? 0
  const run = db.transaction((): number[] => {
    const current = db.pragma('user_version', { simple: true }) as number
    if (current > latest) {
      throw new StoreError('RELAY_ERR_STORE_SCHEMA',
        `The outbox file has schema version ${current}; this relay knows up to ${latest}. Upgrade the relay.`)
    }
    const applied: number[] = []
    for (const m of list) {
      if (m.version <= current) continue
      db.exec(m.sql)
      db.pragma(`user_version = ${m.version}`)
      applied.push(m.version)
    }
    return applied
  })
  return run.immediate()
}
