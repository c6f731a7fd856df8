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
  },
  {
    version: 2,
    name: 'hourly activity counts for the status page, write probe for /readyz',
    sql: `
      -- Kept by triggers, like status_counts: charts read at most 720 hours per kind, however many
      -- rows the store holds, and the counts survive when an operator deletes or erases submissions.
      CREATE TABLE activity (
        bucket INTEGER NOT NULL,
        portal_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('received', 'delivered', 'failed', 'dead')),
        n INTEGER NOT NULL,
        PRIMARY KEY (bucket, portal_id, kind)
      ) STRICT, WITHOUT ROWID;
      INSERT INTO activity (bucket, portal_id, kind, n)
        SELECT created_at / 3600000 * 3600000, portal_id, 'received', count(*) FROM submissions GROUP BY 1, 2;
      INSERT INTO activity (bucket, portal_id, kind, n)
        SELECT delivered_at / 3600000 * 3600000, portal_id, 'delivered', count(*) FROM submissions
          WHERE status = 'delivered' AND delivered_at IS NOT NULL GROUP BY 1, 2;
      INSERT INTO activity (bucket, portal_id, kind, n)
        SELECT updated_at / 3600000 * 3600000, portal_id, 'dead', count(*) FROM submissions
          WHERE status = 'dead' GROUP BY 1, 2;
      INSERT INTO activity (bucket, portal_id, kind, n)
        SELECT a.ended_at / 3600000 * 3600000, s.portal_id, 'failed', count(*)
          FROM attempts a JOIN submissions s ON s.seq = a.submission_seq
          WHERE a.outcome IN ('retry', 'dead') AND a.ended_at IS NOT NULL GROUP BY 1, 2;

      CREATE TRIGGER activity_received AFTER INSERT ON submissions BEGIN
        INSERT INTO activity (bucket, portal_id, kind, n)
          VALUES (NEW.created_at / 3600000 * 3600000, NEW.portal_id, 'received', 1)
          ON CONFLICT (bucket, portal_id, kind) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER activity_settled AFTER UPDATE OF status ON submissions
        WHEN OLD.status <> NEW.status AND NEW.status IN ('delivered', 'dead') BEGIN
        INSERT INTO activity (bucket, portal_id, kind, n)
          VALUES ((CASE WHEN NEW.status = 'delivered' THEN coalesce(NEW.delivered_at, NEW.updated_at) ELSE NEW.updated_at END)
            / 3600000 * 3600000, NEW.portal_id, NEW.status, 1)
          ON CONFLICT (bucket, portal_id, kind) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER activity_failed AFTER UPDATE OF outcome ON attempts
        WHEN OLD.outcome = 'in_flight' AND NEW.outcome IN ('retry', 'dead') AND NEW.ended_at IS NOT NULL BEGIN
        INSERT INTO activity (bucket, portal_id, kind, n)
          SELECT NEW.ended_at / 3600000 * 3600000, portal_id, 'failed', 1 FROM submissions WHERE seq = NEW.submission_seq
          ON CONFLICT (bucket, portal_id, kind) DO UPDATE SET n = n + 1;
      END;

      -- /readyz writes this single row to prove the file is writable, not merely readable.
      CREATE TABLE health_probe (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        at INTEGER NOT NULL
      ) STRICT;
    `
  },
  {
    version: 3,
    name: 'rotation counters, deal ids',
    sql: `
      -- Round-robin turns (ASSIGNED_BY_ID lists), shared by every process on the file (./counters-sqlite.ts).
      CREATE TABLE counters (
        key TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      -- The deal a submission became: a form with entity: deal, or a lead the portal converted (simple mode).
      ALTER TABLE submissions ADD COLUMN deal_id INTEGER;
    `
  },
  {
    version: 4,
    name: 'held submissions (floods), retention index, idempotency fingerprints',
    sql: `
      -- A new status changes the CHECK constraint, which SQLite can only do by rebuilding the table.
      -- With foreign keys off (migrate() sees to it) the legacy rename leaves every reference to
      -- "submissions" (the attempts foreign key, the trigger on attempts) as written, so they name
      -- the new table once it exists; migrate() checks the keys before the commit.
      PRAGMA legacy_alter_table = ON;
      ALTER TABLE submissions RENAME TO submissions_v3;
      CREATE TABLE submissions (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        form_id TEXT NOT NULL,
        portal_id TEXT NOT NULL,
        payload TEXT NOT NULL,
        meta TEXT,
        dedupe_key TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'leased', 'delivered', 'dead', 'held')),
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
        delivered_at INTEGER,
        deal_id INTEGER
      ) STRICT;
      INSERT INTO submissions (seq, id, form_id, portal_id, payload, meta, dedupe_key, status, attempts, outcome_unknown,
          next_attempt_at, lease_token, lease_until, lead_id, last_error_code, last_error_message, created_at, updated_at,
          delivered_at, deal_id)
        SELECT seq, id, form_id, portal_id, payload, meta, dedupe_key, status, attempts, outcome_unknown,
          next_attempt_at, lease_token, lease_until, lead_id, last_error_code, last_error_message, created_at, updated_at,
          delivered_at, deal_id FROM submissions_v3;
      -- Its indexes and counting triggers go with it; they are made again below.
      DROP TABLE submissions_v3;
      PRAGMA legacy_alter_table = OFF;
      CREATE INDEX submissions_status ON submissions (status, portal_id, created_at);
      -- Retention deletes by status and age (updated_at: when it was delivered, died or was held).
      CREATE INDEX submissions_settled ON submissions (status, updated_at);

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
      CREATE TRIGGER activity_received AFTER INSERT ON submissions BEGIN
        INSERT INTO activity (bucket, portal_id, kind, n)
          VALUES (NEW.created_at / 3600000 * 3600000, NEW.portal_id, 'received', 1)
          ON CONFLICT (bucket, portal_id, kind) DO UPDATE SET n = n + 1;
      END;
      CREATE TRIGGER activity_settled AFTER UPDATE OF status ON submissions
        WHEN OLD.status <> NEW.status AND NEW.status IN ('delivered', 'dead') BEGIN
        INSERT INTO activity (bucket, portal_id, kind, n)
          VALUES ((CASE WHEN NEW.status = 'delivered' THEN coalesce(NEW.delivered_at, NEW.updated_at) ELSE NEW.updated_at END)
            / 3600000 * 3600000, NEW.portal_id, NEW.status, 1)
          ON CONFLICT (bucket, portal_id, kind) DO UPDATE SET n = n + 1;
      END;

      -- What an Idempotency-Key stood for (a hash of the values): the same key with other values is refused.
      ALTER TABLE dedupe_keys ADD COLUMN fingerprint TEXT;
    `
  }
]

/**
 * Brings the file up to the latest version. The version is read again inside an IMMEDIATE
 * transaction, so a server and a worker opening a new file at the same moment migrate it once.
 * Foreign keys are off while it runs (a table rebuild must not rewrite other tables' references,
 * SQLite's own procedure) and checked before the commit. Returns the versions applied.
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
    if (applied.length > 0 && (db.pragma('foreign_key_check') as unknown[]).length > 0) {
      throw new StoreError('RELAY_ERR_STORE_SCHEMA', 'A migration left attempts without their submission; nothing was changed')
    }
    return applied
  })
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number
  db.pragma('foreign_keys = OFF')
  try {
    return run.immediate()
  } finally {
    db.pragma(`foreign_keys = ${foreignKeys === 1 ? 'ON' : 'OFF'}`)
  }
}
