/** The SQLite outbox: the shared contract, then what only SQLite has (group commit, pragmas, migrations, locks). */
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openSqliteOutbox, type SqliteOutboxOptions } from '../../src/outbox/sqlite.ts'
import { migrate, migrations } from '../../src/outbox/migrations.ts'
import type { NewSubmission } from '../../src/outbox/types.ts'
import { describeOutboxContract } from './outbox.contract.ts'
import { sqliteFileHarness, sqliteMemoryHarness, type SqliteFileHarness } from './sqlite-harness.ts'

describeOutboxContract('sqlite file, durability full', clock => sqliteFileHarness({ clock }))
describeOutboxContract('sqlite file, durability relaxed', clock => sqliteFileHarness({ durability: 'relaxed', clock }))
describeOutboxContract('sqlite :memory:', sqliteMemoryHarness, { canReopen: false })

const T0 = 1_700_000_000_000
const sub = (over: Partial<NewSubmission> = {}): NewSubmission =>
  ({ formId: 'f', portalId: 'p', payload: { TITLE: 't' }, ...over })
/** The stores below run on a clock at T0 that moves only when a test moves it. */
let now = T0
const clock = (): number => now
const fileHarness = async (opts: Partial<SqliteOutboxOptions> = {}): Promise<SqliteFileHarness> =>
  await sqliteFileHarness({ clock, ...opts })

describe('SQLite outbox', () => {
  let h: SqliteFileHarness
  afterEach(async () => {
    await h?.cleanup()
    now = T0
  })

  describe('claim order', () => {
    it('leases by creation time, not by call order, when the clock steps back between enqueues', async () => {
      h = await fileHarness()
      now = T0 + 2
      const { id: third } = await h.outbox.enqueue(sub())
      now = T0
      const { id: first } = await h.outbox.enqueue(sub())
      now = T0 + 1
      const { id: second } = await h.outbox.enqueue(sub())
      now = T0 + 10
      expect((await h.outbox.claim({ limit: 2, leaseMs: 60_000 })).map(c => c.id)).toEqual([first, second])
      expect((await h.outbox.claim({ limit: 2, leaseMs: 60_000 })).map(c => c.id)).toEqual([third])
    })
  })

  describe('group commit', () => {
    it('writes enqueues issued together in one transaction', async () => {
      h = await fileHarness()
      const before = h.outbox.debugStats().groupCommits
      const results = await Promise.all(Array.from({ length: 50 }, () => h.outbox.enqueue(sub())))
      expect(new Set(results.map(r => r.id)).size).toBe(50)
      expect(h.outbox.debugStats()).toMatchObject({ groupCommits: before + 1, enqueued: 50 })
    })

    it('commits once per enqueue when each waits for the last', async () => {
      h = await fileHarness()
      for (let i = 0; i < 5; i++) await h.outbox.enqueue(sub())
      expect(h.outbox.debugStats()).toMatchObject({ groupCommits: 5, enqueued: 5 })
    })

    it('dedupes within one group', async () => {
      h = await fileHarness()
      const [a, b, c] = await Promise.all([
        h.outbox.enqueue(sub({ dedupeKey: 'k' })), h.outbox.enqueue(sub({ dedupeKey: 'k' })), h.outbox.enqueue(sub())
      ])
      expect(h.outbox.debugStats()).toMatchObject({ groupCommits: 1, enqueued: 2, duplicates: 1 })
      expect(b).toEqual({ id: a?.id, duplicate: true })
      expect(c?.duplicate).toBe(false)
    })

    it('commits lease reports issued together in one transaction too', async () => {
      h = await fileHarness()
      await Promise.all(Array.from({ length: 10 }, () => h.outbox.enqueue(sub())))
      const claimed = await h.outbox.claim({ limit: 10, leaseMs: 1000 })
      const before = h.outbox.debugStats().groupCommits
      const done = await Promise.all(claimed.map(c => h.outbox.complete(c.id, c.leaseToken, { leadId: 1 })))
      expect(done).toEqual(Array(10).fill(true))
      expect(h.outbox.debugStats().groupCommits).toBe(before + 1)
    })

    it('rolls back and rejects only the write that failed; the rest of its group commits', async () => {
      h = await fileHarness()
      const raw = new Database(h.path)
      raw.exec(`CREATE TRIGGER refuse_boom BEFORE INSERT ON submissions WHEN NEW.form_id = 'boom'
        BEGIN SELECT RAISE(ABORT, 'refused'); END`)
      raw.close()
      const [a, boom, b] = await Promise.allSettled([
        h.outbox.enqueue(sub({ dedupeKey: 'a' })), h.outbox.enqueue(sub({ formId: 'boom', dedupeKey: 'boom' })),
        h.outbox.enqueue(sub())
      ])
      expect(boom.status === 'rejected' && boom.reason).toMatchObject({ code: 'RELAY_ERR_STORE', name: 'StoreError' })
      expect(h.outbox.debugStats()).toMatchObject({ groupCommits: 1, enqueued: 2 })
      for (const r of [a, b]) expect(r.status === 'fulfilled' && (await h.outbox.get(r.value.id))?.status).toBe('pending')
      // The failed write's dedupe key went with its savepoint: the key is free.
      expect((await h.outbox.enqueue(sub({ dedupeKey: 'boom' }))).duplicate).toBe(false)
      expect((await h.outbox.stats()).pending).toBe(3)
    })

    it('close() writes a group that has not been committed yet', async () => {
      h = await fileHarness()
      const pending = h.outbox.enqueue(sub())
      await h.outbox.close()
      const { id } = await pending
      const reopened = await h.open()
      expect(await reopened.get(id)).toMatchObject({ status: 'pending' })
    })
  })

  describe('pragmas and schema', () => {
    it('uses WAL with synchronous FULL for durability full', async () => {
      h = await fileHarness()
      expect(h.outbox.debugStats()).toMatchObject({ journalMode: 'wal', synchronous: 2 })
    })

    it('uses WAL with synchronous NORMAL for durability relaxed', async () => {
      h = await fileHarness({ durability: 'relaxed' })
      expect(h.outbox.debugStats()).toMatchObject({ journalMode: 'wal', synchronous: 1 })
    })

    it('creates STRICT tables at the latest user_version and migrates only once', async () => {
      h = await fileHarness()
      await h.open()
      const raw = new Database(h.path, { readonly: true })
      try {
        expect(raw.pragma('user_version', { simple: true })).toBe(migrations.at(-1)?.version)
        const tables = raw.prepare(
          "SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).all() as Array<{ name: string, strict: number }>
        expect(tables.map(t => t.name)).toEqual(
          expect.arrayContaining(['activity', 'attempts', 'dedupe_keys', 'health_probe', 'status_counts', 'submissions'])
        )
        expect(tables.filter(t => t.strict !== 1)).toEqual([])
      } finally {
        raw.close()
      }
    })

    it('migrates a version 3 file with its rows, attempts and counts, and switches on incremental vacuum', async () => {
      h = await fileHarness()
      await h.outbox.close()
      const { rmSync } = await import('node:fs')
      rmSync(h.path, { force: true })
      // A file as the previous release wrote it: schema 3, no auto_vacuum, one delivered and one pending row.
      const old = new Database(h.path)
      old.pragma('journal_mode = WAL')
      migrate(old, migrations.filter(m => m.version <= 3))
      old.exec(`INSERT INTO submissions
          (id, form_id, portal_id, payload, status, attempts, next_attempt_at, lead_id, created_at, updated_at, delivered_at)
        VALUES ('01OLD0000000000000000000A1', 'f', 'p', '{"TITLE":"a"}', 'delivered', 1, ${T0}, 9, ${T0}, ${T0 + 5}, ${T0 + 5}),
               ('01OLD0000000000000000000A2', 'f', 'p', '{"TITLE":"b"}', 'pending', 0, ${T0}, NULL, ${T0}, ${T0}, NULL)`)
      old.exec(`INSERT INTO attempts (submission_seq, lease_token, attempt, started_at, ended_at, outcome)
        VALUES (1, 't', 1, ${T0}, ${T0 + 5}, 'delivered')`)
      expect(old.pragma('auto_vacuum', { simple: true })).toBe(0)
      old.close()

      const outbox = await h.open()
      expect(await outbox.get('01OLD0000000000000000000A1'))
        .toMatchObject({ status: 'delivered', leadId: 9, history: [{ outcome: 'delivered' }] })
      expect(await outbox.stats()).toMatchObject({ pending: 1, delivered: 1, held: 0 })
      const { id } = await outbox.enqueue(sub({ hold: true }))
      expect((await outbox.get(id))?.status).toBe('held')
      const raw = new Database(h.path, { readonly: true })
      try {
        expect(raw.pragma('auto_vacuum', { simple: true })).toBe(2)
        expect(raw.pragma('foreign_key_check')).toEqual([])
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
      } finally {
        raw.close()
      }
    })

    it('gives the space of purged rows back to the disk', async () => {
      h = await fileHarness()
      const big = 'x'.repeat(100_000)
      await Promise.all(Array.from({ length: 40 }, () => h.outbox.enqueue(sub({ hold: true, payload: { TITLE: big } }))))
      const full = (await h.outbox.usage()).bytes
      const raw = new Database(h.path)
      raw.pragma('wal_checkpoint(TRUNCATE)')
      const pagesBefore = raw.pragma('page_count', { simple: true }) as number
      expect((await h.outbox.purge({ deliveredBefore: 0, deadBefore: 0, heldBefore: T0 + 1, limit: 100 })).held).toBe(40)
      raw.pragma('wal_checkpoint(TRUNCATE)')
      const pagesAfter = raw.pragma('page_count', { simple: true }) as number
      raw.close()
      expect(pagesAfter).toBeLessThan(pagesBefore / 4)
      expect((await h.outbox.usage()).bytes).toBeLessThan(full)
    })

    it('refuses a file written by a newer schema', async () => {
      h = await fileHarness()
      await h.outbox.close()
      const raw = new Database(h.path)
      raw.pragma('user_version = 99')
      raw.close()
      await expect(h.open()).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_SCHEMA', name: 'StoreError' })
    })

    it('fails to open a path it cannot use with RELAY_ERR_STORE', async () => {
      h = await fileHarness()
      await expect(openSqliteOutbox({ path: h.path + '/not-a-folder/x.db', durability: 'full' }))
        .rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
    })
  })

  describe('sharing the file', () => {
    it('waits for another connection\'s write lock, and fails with RELAY_ERR_STORE past the busy timeout', async () => {
      h = await fileHarness({ busyTimeoutMs: 50 })
      const other = new Database(h.path)
      try {
        other.exec('BEGIN IMMEDIATE')
        await expect(h.outbox.enqueue(sub())).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
        await expect(h.outbox.claim({ limit: 1, leaseMs: 1000 })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
        other.exec('COMMIT')
        const { id } = await h.outbox.enqueue(sub())
        expect((await h.outbox.get(id))?.status).toBe('pending')
      } finally {
        other.close()
      }
    })

    it('sees what another handle wrote', async () => {
      h = await fileHarness()
      const second = await h.open()
      const { id } = await h.outbox.enqueue(sub())
      expect((await second.claim({ limit: 5, leaseMs: 1000 })).map(c => c.id)).toEqual([id])
    })
  })

  describe('status counts', () => {
    it('keeps the trigger-maintained counts equal to a recount through every transition', async () => {
      h = await fileHarness()
      await Promise.all(Array.from({ length: 12 }, (_, i) => h.outbox.enqueue(sub({ portalId: `p${i % 3}` }))))
      const claimed = await h.outbox.claim({ limit: 9, leaseMs: 1000 })
      const error = { code: 'X', message: 'x' }
      await Promise.all(claimed.map((c, i) => [
        () => h.outbox.complete(c.id, c.leaseToken, { leadId: i }),
        () => h.outbox.retryLater(c.id, c.leaseToken, { at: T0, error, outcomeUnknown: false }),
        () => h.outbox.deadLetter(c.id, c.leaseToken, error),
        () => h.outbox.release(c.id, c.leaseToken)
      ][i % 4]!()))
      await h.outbox.requeueDead(claimed[2]!.id)
      await h.outbox.claim({ limit: 2, leaseMs: 1000 })

      const raw = new Database(h.path, { readonly: true })
      try {
        const kept = raw.prepare('SELECT status, portal_id, n FROM status_counts WHERE n > 0 ORDER BY 1, 2').all()
        const recount = raw.prepare('SELECT status, portal_id, count(*) AS n FROM submissions GROUP BY 1, 2 ORDER BY 1, 2').all()
        expect(kept).toEqual(recount)
        expect(new Set(recount.map(r => (r as { status: string }).status))).toEqual(new Set(['pending', 'leased', 'delivered', 'dead']))
      } finally {
        raw.close()
      }
    })
  })

  describe('dedupe keys', () => {
    it('prunes expired keys as it goes, and never submissions', async () => {
      h = await fileHarness()
      await h.outbox.enqueue(sub({ dedupeKey: 'old', dedupeWindowMs: 10 }))
      now = T0 + 61_000
      await h.outbox.enqueue(sub({ dedupeKey: 'fresh', dedupeWindowMs: 10 * 60_000 }))
      const raw = new Database(h.path, { readonly: true })
      try {
        expect(raw.prepare('SELECT key FROM dedupe_keys ORDER BY key').pluck().all()).toEqual(['fresh'])
        expect(raw.prepare('SELECT count(*) FROM submissions').pluck().get()).toBe(2)
      } finally {
        raw.close()
      }
    })
  })
})
