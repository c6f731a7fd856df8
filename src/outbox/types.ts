/**
 * The Outbox port: where accepted submissions wait, durably, until the delivery worker has turned
 * them into leads. Intake and delivery code against this file only; adapters live beside it.
 *
 * Delivery is at-least-once. A submission is leased to one claimer at a time; a lease that runs
 * out (crash, hang) makes it claimable again with `outcomeUnknown` set, because the lost attempt
 * may have created the lead. Nothing is deleted by the port's own moves: delivered and dead
 * submissions stay for review until `purge` (the retention settings) or an operator removes them.
 * A submission stored while its form is flooded is `held`: kept, never claimed, until
 * `releaseHeld` makes it pending or `discardHeld` removes it.
 * Every method rejects with a `StoreError` (./errors.ts) when the store itself fails, and with code
 * `RELAY_ERR_STORE_CLOSED` once `close()` has been called. Times are epoch milliseconds.
 *
 * The clock. Every adapter takes one at construction (`clock`, default `Date.now`) and reads it
 * for every instant it records or compares; no method takes a time of its own. SQLite runs on it
 * alone. Redis on BullMQ stamps its own records with it, but its leases are Redis lock TTLs and its
 * retry delays and dedupe windows run on real time, so it is meant for the wall clock. Where that
 * changes what a caller sees, the method says so.
 *
 * Adapters may write calls that are in flight together in one commit (SQLite does), so issue the
 * reports for a batch with Promise.all rather than awaiting them one by one.
 */

/** Used when `dedupeKey` is given without `dedupeWindowMs`; the same as the config default. */
export const DEFAULT_DEDUPE_WINDOW_MS = 10 * 60 * 1000

type LogFn = (obj: object, msg: string) => void
/** What an adapter needs of a pino logger; pass `logger.child({ component: 'outbox' })`. */
export interface OutboxLogger { debug: LogFn, info: LogFn, warn: LogFn, error: LogFn }

/** Epoch milliseconds now; an adapter's `clock` option. */
export type OutboxClock = () => number

export type SubmissionStatus = 'pending' | 'leased' | 'delivered' | 'dead' | 'held'

export interface StoredError {
  code: string
  message: string
}

export interface NewSubmission {
  formId: string
  portalId: string
  /** The mapped crm.lead.add fields plus whatever the worker needs. Must be JSON-serialisable. */
  payload: Record<string, unknown>
  /** Original fields, IP, user agent… Kept for review only; may hold personal data. JSON-serialisable. */
  meta?: Record<string, unknown>
  /** A hash of form + values, or the Idempotency-Key header. */
  dedupeKey?: string
  /** How long `dedupeKey` keeps pointing at this submission, from its enqueue time. */
  dedupeWindowMs?: number
  /**
   * What the key stands for (a hash of the values). An enqueue with the same key inside its window
   * but another fingerprint is a mismatch: nothing is stored (see EnqueueResult.mismatch).
   */
  dedupeFingerprint?: string
  /** Store it `held` (its form is flooded): durable and answered as usual, never claimed until released. */
  hold?: boolean
}

export interface EnqueueResult {
  /** Opaque and unique. SQLite uses a 26-character ULID, which sorts by creation time. */
  id: string
  /** True when `id` is an earlier submission with the same dedupe key; nothing new was stored. */
  duplicate: boolean
  /**
   * With `duplicate`: the earlier submission took the key with another fingerprint. Nothing was
   * stored; `id` is the earlier one, which the caller must not hand to this sender.
   */
  mismatch?: boolean
}

export interface ClaimOptions {
  /** At most this many submissions (>= 1). */
  limit: number
  /** How long the claimer owns them (> 0). */
  leaseMs: number
  /** Only this portal's submissions; lets the worker respect each portal's rate limit. */
  portalId?: string
}

export interface ClaimedSubmission {
  id: string
  formId: string
  portalId: string
  payload: Record<string, unknown>
  /** Attempts so far, including this one. */
  attempts: number
  createdAt: number
  /** Proof of ownership; pass it back to complete / retryLater / release / deadLetter. */
  leaseToken: string
  leaseUntil: number
  /**
   * An earlier attempt may have reached the portal (timeout, reset, crash, expired lease), so the
   * lead may already exist: look it up before adding it again. Once set it stays set.
   */
  outcomeUnknown: boolean
}

export type AttemptOutcome = 'in_flight' | 'delivered' | 'retry' | 'dead' | 'released' | 'lease_expired'

/** One claim of a submission and how it ended. */
export interface AttemptRecord {
  /** The submission's attempt count when this attempt was claimed. */
  attempt: number
  startedAt: number
  endedAt: number | null
  /** `in_flight` until its owner reports back; `lease_expired` when another claimer took over. */
  outcome: AttemptOutcome
  error: StoredError | null
}

export interface SubmissionSummary {
  id: string
  formId: string
  portalId: string
  payload: Record<string, unknown>
  meta: Record<string, unknown> | null
  dedupeKey: string | null
  status: SubmissionStatus
  attempts: number
  outcomeUnknown: boolean
  /** When a pending submission becomes due. */
  nextAttemptAt: number
  /** When the current lease runs out; null unless leased. */
  leaseUntil: number | null
  leadId: number | null
  /** The deal the submission became, when known (see `complete`); absent where the adapter keeps none. */
  dealId?: number | null
  /** The last error any attempt reported; kept after a later success. */
  lastError: StoredError | null
  createdAt: number
  updatedAt: number
  deliveredAt: number | null
}

export interface SubmissionRecord extends SubmissionSummary {
  /** Oldest first. */
  history: AttemptRecord[]
}

export interface PortalStats {
  pending: number
  leased: number
  dead: number
}

export interface OutboxStats {
  pending: number
  leased: number
  delivered: number
  dead: number
  /** Stored while their form was flooded; not delivered until released (not counted in pending, due or byPortal). */
  held: number
  /** createdAt of the newest held submission (how long the flood has been quiet); null if none is held. */
  newestHeldAt: number | null
  /**
   * Pending submissions whose time has come plus leases that have run out: what a claim would find
   * (a wall-clock backend counts a lease that ran out once its periodic check has returned it).
   */
  due: number
  /** createdAt of the oldest submission not yet delivered nor dead (pending or leased); null if none. */
  oldestPendingAt: number | null
  /** Only portals that have pending, leased or dead submissions. */
  byPortal: Record<string, PortalStats>
}

/** What the release of held submissions needs (src/delivery/housekeeping.ts). */
export interface HeldSummary {
  held: number
  /** createdAt of the newest held submission; null if none is held. */
  newestHeldAt: number | null
}

export interface HeldSelection {
  /** At most this many (>= 1), oldest first. */
  limit: number
  /** Only this form's. */
  formId?: string
}

export interface PurgeOptions {
  /** Delivered submissions delivered before this instant are deleted with their history. */
  deliveredBefore: number
  /** Dead letters that became dead before this instant. */
  deadBefore: number
  /** Held submissions stored before this instant. */
  heldBefore: number
  /** At most this many of each kind per call (>= 1), so one call never holds the store for long. */
  limit: number
}

export interface PurgeResult { delivered: number, dead: number, held: number }

export interface StoreUsage {
  /** What the data takes: SQLite's pages in use (the WAL file comes on top), or the memory Redis reports in use. */
  bytes: number
  /** The folder of the store's files, for a free-disk check; null when the store is not a local file. */
  dir: string | null
}

export interface ListDeadOptions {
  limit: number
  offset?: number
  portalId?: string
}

export interface Outbox {
  // ── Intake ──────────────────────────────────────────────────────────────────────────────────

  /**
   * Stores a new pending submission, due at once. Resolves only when the submission is durable
   * (as the adapter's durability setting defines it), so the caller may then answer 2xx.
   * With `dedupeKey`: if an earlier submission took the same key less than its window ago, nothing
   * is stored and the earlier id comes back with `duplicate: true`, whatever that submission's
   * status. The window is fixed at the first enqueue; duplicates do not extend it. Once it has
   * passed, the next enqueue is stored and takes the key over. This holds between calls that are
   * in flight together too. Rejects with `RELAY_ERR_STORE_INPUT` if payload or meta cannot be
   * serialised, without affecting other calls. With `hold` it is stored `held` instead of pending.
   * A duplicate whose earlier submission has another `dedupeFingerprint` answers `mismatch: true`.
   */
  enqueue: (sub: NewSubmission) => Promise<EnqueueResult>

  // ── Delivery ────────────────────────────────────────────────────────────────────────────────

  /**
   * Atomically leases up to `limit` due submissions, oldest (createdAt) first, and counts an
   * attempt on each. Due means pending with nextAttemptAt <= now, or leased with a lease that has
   * run out; the latter come back with `outcomeUnknown: true` and their attempts carried. A
   * submission is never handed to two claimers at once, across handles and processes. Resolves
   * to [] when nothing is due. Wall-clock backends: each submission is leased atomically (not the
   * batch), in the order they became due (a retry queues behind newer submissions), and a lease
   * that ran out is found once the backend's periodic check has returned it (BullMQ's stalled check).
   */
  claim: (opts: ClaimOptions) => Promise<ClaimedSubmission[]>

  /**
   * Marks a leased submission delivered as lead `leadId` (with `dealId` when it became a deal: a
   * form with `entity: deal`, or a lead the portal converted in simple mode; adapters that cannot
   * store it ignore it). File bytes in `payload.extras.files` are dropped at the same time: the
   * files are in the portal now, and only their names, types and sizes stay. Resolves false, changing nothing, if the
   * token is no longer the current one (another claimer took over) or the submission is not
   * leased. A lease past its end that nobody has claimed again may still be completed; callers
   * must only rely on false meaning "someone else owns it now".
   */
  complete: (id: string, leaseToken: string, result: { leadId: number, dealId?: number }) => Promise<boolean>

  /**
   * Gives a leased submission back as pending, due at `at`, recording `error`. The attempt stays
   * counted. `outcomeUnknown: true` (timeout, connection reset after sending) makes the next claim
   * report `outcomeUnknown`; false never clears an earlier true. False as for `complete`.
   */
  retryLater: (
    id: string,
    leaseToken: string,
    opts: { at: number, error: StoredError, outcomeUnknown: boolean }
  ) => Promise<boolean>

  /**
   * Gives a leased submission back as pending without counting the attempt, for a claimer that
   * never sent it (graceful shutdown). It is due again at once. False as for `complete`.
   */
  release: (id: string, leaseToken: string) => Promise<boolean>

  /**
   * Gives up on a leased submission: status `dead`, `error` kept as its last error. It is never
   * claimed again unless `requeueDead` is called. False as for `complete`.
   */
  deadLetter: (id: string, leaseToken: string, error: StoredError) => Promise<boolean>

  // ── Review ──────────────────────────────────────────────────────────────────────────────────

  /** The submission with its attempt history, or undefined if the id is unknown. */
  get: (id: string) => Promise<SubmissionRecord | undefined>

  /** Dead submissions, oldest first, without history. */
  listDead: (opts: ListDeadOptions) => Promise<SubmissionSummary[]>

  /**
   * Makes a dead submission pending and due at once, with its attempt count reset to 0 so the
   * worker's attempt limit starts over; history, lastError and outcomeUnknown are kept. Resolves
   * false if the submission is not dead.
   */
  requeueDead: (id: string) => Promise<boolean>

  /** Counts by status and portal; the adapter's clock decides what is due. */
  stats: () => Promise<OutboxStats>

  /**
   * stats().held and stats().newestHeldAt alone. Its cost does not grow with the backlog, where
   * stats() counts the due submissions one by one: the store upkeep asks this every few seconds,
   * on the event loop that answers visitors, also while a portal's backlog runs to the hundred thousands.
   */
  heldSummary: () => Promise<HeldSummary>

  // ── Floods and retention ────────────────────────────────────────────────────────────────────

  /** Makes up to `limit` held submissions (oldest first) pending and due at once; resolves to how many. */
  releaseHeld: (opts: HeldSelection) => Promise<number>

  /** Deletes up to `limit` held submissions (oldest first); resolves to how many. */
  discardHeld: (opts: HeldSelection) => Promise<number>

  /**
   * Deletes what the retention settings no longer keep: delivered, dead and held submissions older
   * than their instant, with their history, at most `limit` of each. Pending and leased ones are
   * never touched. Resolves to what was deleted; a store with files also gives the space back.
   */
  purge: (opts: PurgeOptions) => Promise<PurgeResult>

  /** How much room the store takes, for the size and free-disk floors. */
  usage: () => Promise<StoreUsage>

  // ── Lifecycle ───────────────────────────────────────────────────────────────────────────────

  /**
   * Writes enqueues still waiting for their group commit, then releases the store. Safe to call
   * twice. Leases held through this handle are left as they are and run out normally.
   */
  close: () => Promise<void>
}
