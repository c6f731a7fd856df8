/** The SQLite Outbox adapter: one WAL file, writes group-committed, leases taken inside the write transaction. */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { StoreError, storeFailure } from './errors.ts'
import { GroupCommit } from './group-commit.ts'
import { newLeaseToken } from './ids.ts'
import { checkClaim, checkLeadId, checkLimit, prepareSubmission, withoutFileBytes, type PreparedSubmission } from './input.ts'
import { migrate } from './migrations.ts'
import { prepareStatements, toAttempt, toClaimed, toStats, toSummary, type Statements } from './sqlite-statements.ts'
import type {
  AttemptOutcome, ClaimOptions, ClaimedSubmission, EnqueueResult, HeldSelection, HeldSummary, ListDeadOptions, NewSubmission, Outbox,
  OutboxClock, OutboxLogger, OutboxStats, PurgeOptions, PurgeResult, StoredError, StoreUsage, SubmissionRecord, SubmissionStatus,
  SubmissionSummary
} from './types.ts'

export interface SqliteOutboxOptions {
  /** A file path (its folder is created), or ':memory:' for a private store that dies with the handle. */
  path: string
  /**
   * full: synchronous=FULL. Every commit fsyncs the WAL, so an acknowledged submission survives
   * power loss. relaxed: synchronous=NORMAL. The WAL is fsynced only at checkpoints: a crash of
   * the process loses nothing, but an OS crash or power loss may lose the last transactions that
   * were already acknowledged. The file is never corrupted either way.
   */
  durability: 'full' | 'relaxed'
  logger?: OutboxLogger
  /**
   * How long a write waits for another connection (the worker process) to finish its write
   * before failing with RELAY_ERR_STORE. The wait blocks this process's event loop. SQLite's
   * busy handler polls with growing sleeps and is not fair: a process that writes back to back
   * can keep another waiting, which is one more reason to batch writes. Default 5000.
   */
  busyTimeoutMs?: number
  /**
   * Every instant the handle records or compares (createdAt, leases, retry times, dedupe windows,
   * what is due) is read from it, once per call before the call's first await. Default Date.now.
   */
  clock?: OutboxClock
}

export interface SqliteDebugStats {
  /** Write transactions committed by this handle; N writes issued together should cost one. */
  groupCommits: number
  enqueued: number
  duplicates: number
  /** 'wal' for files; 'memory' for ':memory:'. */
  journalMode: string
  /** PRAGMA synchronous: 2 = FULL, 1 = NORMAL. */
  synchronous: number
}

/** The Outbox plus figures that only make sense for SQLite. */
export interface SqliteOutbox extends Outbox {
  debugStats: () => SqliteDebugStats
  /** The open connection, for the admin adapter on the same file (./sqlite-admin.ts); nothing else. */
  connection: () => Database.Database
}

/** What the writer thread (./writer-thread.ts) needs beyond the Outbox: a submission prepared by the caller, and cheap counters. */
export interface SqliteWriter extends SqliteOutbox {
  enqueuePrepared: (item: PreparedSubmission) => Promise<EnqueueResult>
  /** The counters of debugStats() without its PRAGMA reads, cheap enough to send with every answer. */
  writeCounts: () => WriteCounts
}

export type WriteCounts = Pick<SqliteDebugStats, 'groupCommits' | 'enqueued' | 'duplicates'>

type Report = Exclude<AttemptOutcome, 'in_flight'>

const PRUNE_EVERY_MS = 60_000
const PRUNE_BATCH = 500
/** Free pages given back to the file system per purge; a few MB, so one purge never holds the lock for long. */
const VACUUM_PAGES = 2000
/** The WAL is cut back to this after a checkpoint, so a burst does not leave a large file behind. */
const WAL_LIMIT_BYTES = 64 * 1024 * 1024
const silent: OutboxLogger = { debug () {}, info () {}, warn () {}, error () {} }

/** Opens (creating and migrating if needed) the outbox file. Several handles, in several processes, may share it. */
export async function openSqliteOutbox (opts: SqliteOutboxOptions): Promise<SqliteWriter> {
  const log = opts.logger ?? silent
  let db: Database.Database | undefined
  try {
    if (opts.path !== ':memory:' && !opts.path.startsWith('file:')) mkdirSync(dirname(opts.path), { recursive: true })
    db = new Database(opts.path)
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 5000}`)
    // Before WAL: switching the journal writes the header of a new file, after which auto_vacuum needs a VACUUM.
    enableIncrementalVacuum(db, log)
    db.pragma('journal_mode = WAL')
    db.pragma(`synchronous = ${opts.durability === 'full' ? 'FULL' : 'NORMAL'}`)
    db.pragma('foreign_keys = ON')
    db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`)
    const applied = migrate(db)
    const outbox = new SqliteOutboxHandle(db, log, opts.clock ?? Date.now)
    log.info({ durability: opts.durability, journalMode: outbox.debugStats().journalMode, migrations: applied },
      'outbox opened')
    return outbox
  } catch (err) {
    db?.close()
    throw storeFailure('open', err)
  }
}

/**
 * Deleted rows leave free pages that only a vacuum gives back to the disk. Incremental vacuum
 * (PRAGMA incremental_vacuum after each purge) needs auto_vacuum = INCREMENTAL, which a file takes
 * only when it is created or on a full VACUUM: a new file gets it for free, an older file is
 * rebuilt once here (it needs the lock for a moment and free disk about the size of the file).
 */
function enableIncrementalVacuum (db: Database.Database, log: OutboxLogger): void {
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return
  db.pragma('auto_vacuum = INCREMENTAL')
  if (db.pragma('auto_vacuum', { simple: true }) === 2) return
  const started = Date.now()
  try {
    db.exec('VACUUM')
    log.info({ ms: Date.now() - started }, 'outbox file rebuilt once (VACUUM) to give deleted space back from now on')
  } catch (err) {
    // Too little disk for the copy, or another process holds the file: start anyway (purged pages
    // are still reused inside the file) and try again at the next open.
    log.warn({ err: { code: (err as { code?: unknown }).code, message: (err as Error).message } },
      'outbox file not rebuilt for incremental vacuum yet; freed space stays inside the file until it is')
  }
}

class SqliteOutboxHandle implements SqliteWriter {
  readonly #db: Database.Database
  readonly #st: Statements
  readonly #log: OutboxLogger
  readonly #group: GroupCommit
  // Read synchronously when a call starts: the writer thread sets the clock for each request just before calling.
  readonly #clock: OutboxClock
  #closed = false
  #nextPruneAt = 0
  #counters = { enqueued: 0, duplicates: 0 }

  constructor (db: Database.Database, log: OutboxLogger, clock: OutboxClock) {
    this.#db = db
    this.#log = log
    this.#clock = clock
    this.#st = prepareStatements(db)
    this.#group = new GroupCommit(db)
  }

  async enqueue (sub: NewSubmission): Promise<EnqueueResult> {
    this.#assertOpen()
    return await this.enqueuePrepared(prepareSubmission(sub, this.#clock()))
  }

  async enqueuePrepared (item: PreparedSubmission): Promise<EnqueueResult> {
    this.#assertOpen()
    const result = await this.#write('enqueue', () => this.#insert(item))
    result.duplicate ? this.#counters.duplicates++ : this.#counters.enqueued++
    return result
  }

  async claim (opts: ClaimOptions): Promise<ClaimedSubmission[]> {
    this.#assertOpen()
    checkClaim(opts)
    const now = this.#clock()
    return await this.#write('claim', () => {
      const rows = opts.portalId === undefined
        ? this.#st.dueAll.all({ now, limit: opts.limit })
        : this.#st.duePortal.all({ now, limit: opts.limit, portalId: opts.portalId })
      return rows.map(row => {
        const expired = row.status === 'leased'
        if (expired && row.lease_token !== null) {
          this.#endAttempt(row.seq, row.lease_token, 'lease_expired', now, null)
          this.#log.warn({ submissionId: row.id, attempts: row.attempts }, 'lease ran out; claimed again')
        }
        const leaseToken = newLeaseToken()
        const leaseUntil = now + opts.leaseMs
        const { seq } = row
        const leased = this.#st.lease.get({ seq, token: leaseToken, leaseUntil, expired: Number(expired), now })
        if (leased === undefined) throw new Error('a due row vanished inside its transaction')
        this.#st.startAttempt.run({ seq: row.seq, token: leaseToken, attempt: leased.attempts, now })
        return toClaimed(row, leased, leaseToken, leaseUntil)
      })
    })
  }

  async complete (id: string, token: string, result: { leadId: number, dealId?: number }): Promise<boolean> {
    checkLeadId(result.leadId)
    if (result.dealId !== undefined) checkLeadId(result.dealId)
    const now = this.#clock()
    return await this.#report('complete', token, now, 'delivered', null, () => {
      const owned = this.#st.complete.get({ id, token, leadId: result.leadId, dealId: result.dealId ?? null, now })
      if (owned !== undefined) this.#dropFileBytes(owned.seq)
      return owned
    })
  }

  async retryLater (
    id: string, token: string, opts: { at: number, error: StoredError, outcomeUnknown: boolean }
  ): Promise<boolean> {
    const now = this.#clock()
    const { code, message } = opts.error
    return await this.#report('retryLater', token, now, 'retry', opts.error,
      () => this.#st.retry.get({ id, token, at: opts.at, unknown: opts.outcomeUnknown ? 1 : 0, code, message, now }))
  }

  async release (id: string, token: string): Promise<boolean> {
    const now = this.#clock()
    return await this.#report('release', token, now, 'released', null, () => this.#st.release.get({ id, token, now }))
  }

  async deadLetter (id: string, token: string, error: StoredError): Promise<boolean> {
    const now = this.#clock()
    return await this.#report('deadLetter', token, now, 'dead', error,
      () => this.#st.dead.get({ id, token, code: error.code, message: error.message, now }))
  }

  async requeueDead (id: string): Promise<boolean> {
    this.#assertOpen()
    const now = this.#clock()
    return await this.#write('requeueDead', () => this.#st.requeueDead.run({ id, now }).changes === 1)
  }

  async get (id: string): Promise<SubmissionRecord | undefined> {
    return this.#read('get', () => {
      const row = this.#st.byId.get(id)
      if (row === undefined) return undefined
      return { ...toSummary(row), history: this.#st.history.all(row.seq).map(toAttempt) }
    })
  }

  async listDead (opts: ListDeadOptions): Promise<SubmissionSummary[]> {
    const offset = opts.offset ?? 0
    return this.#read('listDead', () => (opts.portalId === undefined
      ? this.#st.deadAll.all(opts.limit, offset)
      : this.#st.deadPortal.all(opts.portalId, opts.limit, offset)).map(toSummary))
  }

  async stats (): Promise<OutboxStats> {
    const now = this.#clock()
    return this.#read('stats', () => toStats(this.#st.counts.all(), this.#st.due.get({ now })?.n ?? 0,
      this.#st.oldest.get()?.oldest ?? null, this.#st.newestHeld.get()?.newest ?? null))
  }

  async heldSummary (): Promise<HeldSummary> {
    // Two index look-ups: the counts table and the newest held row (submissions_settled).
    return this.#read('heldSummary', () => ({
      held: this.#st.heldCount.get()?.n ?? 0,
      newestHeldAt: this.#st.newestHeld.get()?.newest ?? null
    }))
  }

  async releaseHeld (opts: HeldSelection): Promise<number> {
    this.#assertOpen()
    checkLimit('releaseHeld', opts.limit)
    const now = this.#clock()
    return await this.#write('releaseHeld', () =>
      this.#st.releaseHeld.run({ limit: opts.limit, formId: opts.formId ?? null, now }).changes)
  }

  async discardHeld (opts: HeldSelection): Promise<number> {
    this.#assertOpen()
    checkLimit('discardHeld', opts.limit)
    return await this.#write('discardHeld', () =>
      this.#delete(this.#st.heldSeqs.all({ limit: opts.limit, formId: opts.formId ?? null })))
  }

  async purge (opts: PurgeOptions): Promise<PurgeResult> {
    this.#assertOpen()
    checkLimit('purge', opts.limit)
    const expired = (status: SubmissionStatus, before: number): number =>
      this.#delete(this.#st.expiredSeqs.all({ status, before, limit: opts.limit }))
    const result = await this.#write('purge', () => ({
      delivered: expired('delivered', opts.deliveredBefore),
      dead: expired('dead', opts.deadBefore),
      held: expired('held', opts.heldBefore)
    }))
    if (result.delivered + result.dead + result.held > 0) await this.#write('vacuum', () => this.#vacuum())
    return result
  }

  // The pages in use, as this connection sees them (WAL included): what the data takes. The WAL
  // file itself is transient (checkpointed every ~1000 pages, cut back to WAL_LIMIT_BYTES) and
  // left to the free-disk floor.
  async usage (): Promise<StoreUsage> {
    return this.#read('usage', () => {
      const count = (pragma: string): number => this.#db.pragma(pragma, { simple: true }) as number
      const pages = count('page_count') - count('freelist_count')
      const file = this.#db.name
      const local = file !== ':memory:' && file !== '' && !file.startsWith('file:')
      return { bytes: pages * count('page_size'), dir: local ? dirname(file) : null }
    })
  }

  async close (): Promise<void> {
    if (this.#closed) return
    try {
      this.#group.flush()
    } finally {
      this.#closed = true
      try { this.#db.pragma('optimize') } catch {} // advisory; never block the close on it
      this.#db.close()
    }
  }

  connection (): Database.Database {
    this.#assertOpen()
    return this.#db
  }

  writeCounts (): WriteCounts {
    return { groupCommits: this.#group.commits, ...this.#counters }
  }

  debugStats (): SqliteDebugStats {
    this.#assertOpen()
    return {
      groupCommits: this.#group.commits,
      ...this.#counters,
      journalMode: this.#db.pragma('journal_mode', { simple: true }) as string,
      synchronous: this.#db.pragma('synchronous', { simple: true }) as number
    }
  }

  // Inside the write that completes the submission, so no delivered row keeps file bytes.
  #dropFileBytes (seq: number): void {
    const row = this.#st.filePayload.get(seq)
    if (row === undefined) return
    const stripped = withoutFileBytes(JSON.parse(row.payload) as Record<string, unknown>)
    if (stripped !== undefined) this.#st.setPayload.run(JSON.stringify(stripped), seq)
  }

  #delete (rows: Array<{ seq: number }>): number {
    for (const { seq } of rows) {
      this.#st.deleteAttempts.run(seq)
      this.#st.deleteSubmission.run(seq)
    }
    return rows.length
  }

  #vacuum (): void {
    const free = this.#db.pragma('freelist_count', { simple: true }) as number
    if (free > 0) this.#db.pragma(`incremental_vacuum(${Math.min(free, VACUUM_PAGES)})`)
  }

  // Runs inside a group's transaction, after the ops queued before it: a dedupe key taken earlier in
  // the same group is already visible here.
  #insert (item: PreparedSubmission): EnqueueResult {
    if (item.now >= this.#nextPruneAt) {
      const pruned = this.#st.pruneDedupe.run(item.now, PRUNE_BATCH).changes
      if (pruned > 0) this.#log.debug({ pruned }, 'expired dedupe keys pruned')
      this.#nextPruneAt = item.now + PRUNE_EVERY_MS
    }
    if (item.dedupeKey !== null) {
      const earlier = this.#st.findDedupe.get(item.dedupeKey, item.now)
      if (earlier !== undefined) {
        const mismatch = item.fingerprint !== null && earlier.fingerprint !== null && earlier.fingerprint !== item.fingerprint
        return { id: earlier.submission_id, duplicate: true, ...(mismatch ? { mismatch } : {}) }
      }
      this.#st.putDedupe.run(item.dedupeKey, item.id, item.expiresAt, item.fingerprint)
    }
    const { id, formId, portalId, payload, meta, dedupeKey, now } = item
    this.#st.insert.run({ id, formId, portalId, payload, meta, dedupeKey, now, status: item.held ? 'held' : 'pending' })
    return { id: item.id, duplicate: false }
  }

  async #report (action: string, token: string, now: number, outcome: Report, error: StoredError | null,
    update: () => { seq: number } | undefined): Promise<boolean> {
    this.#assertOpen()
    return await this.#write(action, () => {
      const owned = update()
      if (owned === undefined) return false
      this.#endAttempt(owned.seq, token, outcome, now, error)
      return true
    })
  }

  #endAttempt (seq: number, token: string, outcome: Report, now: number, error: StoredError | null): void {
    this.#st.endAttempt.run({ seq, token, outcome, now, code: error?.code ?? null, message: error?.message ?? null })
  }

  // Every write goes through the group commit, whose transaction is IMMEDIATE: it takes the write
  // lock up front. A deferred one that reads and then writes can fail with SQLITE_BUSY_SNAPSHOT when
  // another process wrote in between, and SQLite does not retry that.
  async #write<T> (action: string, op: () => T): Promise<T> {
    try {
      return await this.#group.run(op)
    } catch (err) {
      const failure = storeFailure(action, err)
      this.#log.error({ err: failure, action }, 'outbox write failed')
      throw failure
    }
  }

  // One read transaction, so counts and history come from the same snapshot.
  #read<T> (action: string, fn: () => T): T {
    this.#assertOpen()
    try {
      return this.#db.transaction(fn).deferred()
    } catch (err) {
      throw storeFailure(action, err)
    }
  }

  #assertOpen (): void {
    if (this.#closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The outbox is closed')
  }
}
