/**
 * The Redis Outbox adapter, built on BullMQ: one queue per portal, a submission is a job (id = the
 * submission id), claims are manual processing with Workers, reports are BullMQ's own moves
 * (completed, delayed retry, wait, failed = dead letter). Meant for the wall clock: see `clock`.
 * DESIGN.md §9 maps every method to its BullMQ operation.
 */
import { UnrecoverableError } from 'bullmq'
import type { Redis } from 'ioredis'
import { JOB_NAME, RetryAt, jobOptions, readFailure, unknownOf, type SubmissionData, type SubmissionJob } from './bullmq-jobs.ts'
import { BullLeases, isBullCode, storeCall } from './bullmq-leases.ts'
import { BullRegistry, type SubmissionQueue } from './bullmq-queues.ts'
import { heldIds, readDead, readHeldSummary, readStats } from './bullmq-reads.ts'
import { toRecord } from './bullmq-records.ts'
import { StoreError } from './errors.ts'
import { checkClaim, checkLeadId, checkLimit, prepareSubmission, withoutFileBytes } from './input.ts'
import { connectRedis } from './redis-connection.ts'
import { parseRedisUrl } from './redis-keys.ts'
import { checkPersistence, type RedisPersistence } from './redis-persistence.ts'
import type {
  ClaimOptions, ClaimedSubmission, EnqueueResult, HeldSelection, ListDeadOptions, NewSubmission, Outbox, OutboxClock, OutboxLogger,
  HeldSummary, OutboxStats, PurgeOptions, PurgeResult, StoredError, StoreUsage, SubmissionRecord, SubmissionSummary
} from './types.ts'

export interface BullOutboxOptions {
  /** redis://[user:password@]host:port/db, or rediss:// for TLS; `?prefix=name` names the keys (default "relay"). */
  url: string
  /** full expects appendfsync always on the server, relaxed accepts everysec; only the start-up warnings differ. */
  durability: 'full' | 'relaxed'
  logger?: OutboxLogger
  /** Overrides the URL's prefix, "{name}:" (tests use a random one each). */
  keyPrefix?: string
  connectTimeoutMs?: number
  commandTimeoutMs?: number
  /** How long a report (complete, retryLater…) keeps retrying while Redis is away, when its lease end is not known here. Default 30 s. */
  reportRetryMs?: number
  /**
   * How often leases that ran out are looked for (BullMQ's stalled check; default 5 s). Use the
   * same value on every instance, and well under `delivery.leaseMs`.
   */
  stalledCheckMs?: number
  /**
   * What this adapter stamps and compares itself (createdAt, the attempt history, lease ends, retry
   * delays, what is due, purge ages). BullMQ's own moves run on real time (lock TTLs, delays once
   * scheduled, dedupe TTLs, finishedOn), so anything but the wall clock (the default) skews them.
   */
  clock?: OutboxClock
}

export const DEFAULT_STALLED_CHECK_MS = 5000

/** The Outbox plus what other parts of a Redis-mode relay share. */
export interface BullOutbox extends Outbox {
  /** The fail-fast command connection; other shared state (rate limits) may use it; close() closes it. */
  readonly redis: Redis
  /** Every key of this relay starts with it ("{name}:"), BullMQ's and the limiter's too. */
  readonly keyPrefix: string
  /** What the server keeps on disk, as read at open or after the last reconnect. */
  persistence: () => RedisPersistence
}

const silent: OutboxLogger = { debug () {}, info () {}, warn () {}, error () {} }

export async function openBullOutbox (opts: BullOutboxOptions): Promise<BullOutbox> {
  const log = opts.logger ?? silent
  const target = parseRedisUrl(opts.url)
  const keyPrefix = opts.keyPrefix ?? target.keyPrefix
  const timeouts = {
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {})
  }
  // Assigned once the handle exists; the reconnect hook is made before that, so it cannot be a const.
  // eslint-disable-next-line prefer-const -- read (as undefined) by onReconnect before its one assignment
  let outbox: BullOutboxHandle | undefined
  const onReconnect = (): void => {
    outbox?.recheck().catch((err: unknown) => log.warn({ err: String(err) }, 'could not re-read the Redis persistence settings'))
  }
  const redis = await connectRedis({ url: target.connectionUrl, log, ...timeouts, onReconnect })
  let workerRedis: Redis
  try {
    // Outages are logged once, by the command connection.
    workerRedis = await connectRedis({ url: target.connectionUrl, log: silent, role: 'worker', ...timeouts })
  } catch (err) {
    redis.disconnect()
    throw err
  }
  outbox = new BullOutboxHandle(redis, workerRedis, keyPrefix, opts, log)
  await outbox.recheck()
  log.info({ keyPrefix, durability: opts.durability }, 'outbox opened on Redis (BullMQ)')
  return outbox
}

class BullOutboxHandle implements BullOutbox {
  readonly redis: Redis
  readonly keyPrefix: string
  readonly #workerRedis: Redis
  readonly #reg: BullRegistry
  readonly #leases: BullLeases
  readonly #log: OutboxLogger
  readonly #opts: BullOutboxOptions
  readonly #clock: OutboxClock
  #persistence: RedisPersistence = { readable: false, appendonly: null, appendfsync: null, save: null, maxmemoryPolicy: null }
  #closed = false

  constructor (redis: Redis, workerRedis: Redis, keyPrefix: string, opts: BullOutboxOptions, log: OutboxLogger) {
    this.redis = redis
    this.#workerRedis = workerRedis
    this.keyPrefix = keyPrefix
    this.#opts = opts
    this.#log = log
    this.#clock = opts.clock ?? Date.now
    const clock = this.#clock
    this.#reg = new BullRegistry({
      redis,
      workerRedis,
      prefix: keyPrefix.replace(/:$/, ''),
      portalsKey: `${keyPrefix}outbox:portals`,
      log,
      stalledCheckMs: opts.stalledCheckMs ?? DEFAULT_STALLED_CHECK_MS,
      clock
    })
    this.#leases = new BullLeases({ reg: this.#reg, log, reportRetryMs: opts.reportRetryMs ?? 30_000, closed: () => this.#closed, clock })
  }

  persistence (): RedisPersistence {
    return this.#persistence
  }

  async recheck (): Promise<void> {
    this.#persistence = await checkPersistence(this.redis, this.#opts.durability, this.#log)
  }

  async enqueue (sub: NewSubmission): Promise<EnqueueResult> {
    this.#assertOpen()
    // The dedupe window is a TTL in Redis: it runs on real time from now on, whatever the clock says.
    const s = prepareSubmission(sub, this.#clock())
    const data: SubmissionData = {
      formId: s.formId,
      portalId: s.portalId,
      payload: JSON.parse(s.payload) as Record<string, unknown>,
      meta: s.meta === null ? null : JSON.parse(s.meta) as Record<string, unknown>,
      dedupeKey: s.dedupeKey,
      ...(s.fingerprint !== null ? { fingerprint: s.fingerprint } : {}),
      createdAt: s.now
    }
    // No retry here: the intake must answer 503 now rather than keep the visitor waiting.
    return await storeCall('enqueue', async () => {
      const queue = await this.#reg.queue(s.portalId)
      await this.#reg.remember(s.portalId)
      const job = await queue.add(JOB_NAME, data, jobOptions(s.id, s.dedupeKey, s.expiresAt - s.now, s.held, s.now))
      // A deduplicated add answers with the id of the job that holds the key.
      const id = job.id ?? s.id
      if (id === s.id) return { id, duplicate: false }
      const earlier = s.fingerprint === null ? undefined : (await queue.getJob(id) as SubmissionJob | undefined)?.data.fingerprint
      const mismatch = typeof earlier === 'string' && earlier !== s.fingerprint
      return { id, duplicate: true, ...(mismatch ? { mismatch } : {}) }
    })
  }

  async claim (opts: ClaimOptions): Promise<ClaimedSubmission[]> {
    this.#assertOpen()
    checkClaim(opts)
    const portals = opts.portalId !== undefined ? [opts.portalId] : await storeCall('claim', async () => await this.#reg.portals())
    const out: ClaimedSubmission[] = []
    for (const portalId of portals) {
      if (out.length >= opts.limit) break
      const worker = await storeCall('claim', async () => await this.#reg.worker(portalId, opts.leaseMs))
      out.push(...await this.#leases.take(worker, portalId, opts.limit - out.length, opts.leaseMs))
    }
    return out
  }

  async complete (id: string, token: string, result: { leadId: number, dealId?: number }): Promise<boolean> {
    checkLeadId(result.leadId)
    const value = { leadId: result.leadId, ...(result.dealId !== undefined ? { dealId: result.dealId } : {}) }
    let done: SubmissionJob | undefined
    const ok = await this.#report('complete', id, token, 'delivered', undefined, async job => {
      await job.moveToCompleted(value, token, false)
      done = job
    })
    // Right after the move rather than inside it: a failed report is retried, and a move that landed must not be repeated.
    const stripped = done === undefined ? undefined : withoutFileBytes(done.data.payload)
    if (done !== undefined && stripped !== undefined) {
      try {
        await done.updateData({ ...done.data, payload: stripped })
      } catch (err) {
        this.#log.warn({ submissionId: id, err: { message: (err as Error).message } },
          'file bytes of a delivered submission not dropped yet (Redis away)')
      }
    }
    return ok
  }

  async retryLater (id: string, token: string, opts: { at: number, error: StoredError, outcomeUnknown: boolean }): Promise<boolean> {
    if (!Number.isFinite(opts.at)) throw new StoreError('RELAY_ERR_STORE_INPUT', 'retryLater needs a finite `at`')
    const error = { code: opts.error.code, message: opts.error.message }
    // BullMQ's retry path: attemptsMade + 1, delayed until our backoff strategy's answer (`at`).
    return await this.#report('retryLater', id, token, 'retry', error, async job => {
      await job.moveToFailed(new RetryAt({ ...error, unknown: opts.outcomeUnknown || unknownOf(job), at: opts.at }), token, false)
    })
  }

  async release (id: string, token: string): Promise<boolean> {
    // Back to the head of the wait list; neither attemptsMade nor the stalled counter moves.
    return await this.#report('release', id, token, 'released', undefined, async job => { await job.moveToWait(token) })
  }

  async deadLetter (id: string, token: string, error: StoredError): Promise<boolean> {
    const note = { code: error.code, message: error.message }
    return await this.#report('deadLetter', id, token, 'dead', note, async job => {
      await job.moveToFailed(new UnrecoverableError(JSON.stringify({ ...note, unknown: unknownOf(job) })), token, false)
    })
  }

  async requeueDead (id: string): Promise<boolean> {
    this.#assertOpen()
    return await storeCall('requeueDead', async () => {
      const found = await this.#find(id)
      if (found === undefined || await found.job.getState() !== 'failed') return false
      const { job } = found
      const failure = readFailure(job)
      // retry() clears failedReason and the attempt counters; the port keeps lastError and outcomeUnknown.
      await job.updateData({
        ...job.data,
        carried: {
          lastError: failure !== null ? { code: failure.code, message: failure.message } : job.data.carried?.lastError ?? null,
          outcomeUnknown: unknownOf(job),
          stalledBase: job.stalledCounter ?? 0,
          requeuedAt: this.#clock()
        }
      })
      try {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true })
        return true
      } catch (err) {
        if (isBullCode(err)) return false
        throw err
      }
    })
  }

  async get (id: string): Promise<SubmissionRecord | undefined> {
    this.#assertOpen()
    return await storeCall('get', async () => {
      const found = await this.#find(id)
      if (found === undefined) return undefined
      const [state, logs] = await Promise.all([found.job.getState(), found.queue.getJobLogs(id)])
      return toRecord(found.job, state, logs.logs)
    })
  }

  async listDead (opts: ListDeadOptions): Promise<SubmissionSummary[]> {
    this.#assertOpen()
    return await storeCall('listDead', async () => {
      const portals = await this.#reg.portals()
      const chosen = opts.portalId === undefined ? portals : portals.filter(p => p === opts.portalId)
      return await readDead(await Promise.all(chosen.map(async p => await this.#reg.queue(p))), opts.limit, opts.offset ?? 0)
    })
  }

  async stats (): Promise<OutboxStats> {
    this.#assertOpen()
    return await storeCall('stats', async () => {
      const portals = await this.#reg.portals()
      return await readStats(await Promise.all(portals.map(async p => [p, await this.#reg.queue(p)] as const)), this.#clock(), this.redis)
    })
  }

  async heldSummary (): Promise<HeldSummary> {
    this.#assertOpen()
    return await storeCall('heldSummary', async () => {
      const portals = await this.#reg.portals()
      return await readHeldSummary(await Promise.all(portals.map(async p => await this.#reg.queue(p))), this.redis)
    })
  }

  async releaseHeld (opts: HeldSelection): Promise<number> {
    checkLimit('releaseHeld', opts.limit)
    return await this.#eachHeld('releaseHeld', opts, async job => {
      try {
        await job.promote()
        return true
      } catch (err) {
        if (isBullCode(err)) return false // released or discarded meanwhile
        throw err
      }
    })
  }

  async discardHeld (opts: HeldSelection): Promise<number> {
    checkLimit('discardHeld', opts.limit)
    return await this.#eachHeld('discardHeld', opts, async job => (await this.#remove(job)))
  }

  async purge (opts: PurgeOptions): Promise<PurgeResult> {
    this.#assertOpen()
    checkLimit('purge', opts.limit)
    return await storeCall('purge', async () => {
      const result: PurgeResult = { delivered: 0, dead: 0, held: 0 }
      const now = this.#clock()
      for (const portalId of await this.#reg.portals()) {
        const q = await this.#reg.queue(portalId)
        // BullMQ's own clean: finished jobs whose finishedOn is older than the grace.
        result.delivered += (await q.clean(Math.max(0, now - opts.deliveredBefore), opts.limit, 'completed')).length
        result.dead += (await q.clean(Math.max(0, now - opts.deadBefore), opts.limit, 'failed')).length
      }
      const old = (job: SubmissionJob): boolean => job.data.createdAt < opts.heldBefore
      result.held = await this.#eachHeld('purge', { limit: opts.limit },
        async job => old(job) && await this.#remove(job), job => !old(job))
      return result
    })
  }

  async usage (): Promise<StoreUsage> {
    this.#assertOpen()
    return await storeCall('usage', async () => {
      const info = await this.redis.info('memory')
      const used = /^used_memory:(\d+)/m.exec(info)?.[1]
      return { bytes: used === undefined ? 0 : Number(used), dir: null }
    })
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#reg.close()
    for (const conn of [this.#workerRedis, this.redis]) {
      conn.removeAllListeners('close')
      try {
        await conn.quit()
      } catch {
        conn.disconnect()
      }
    }
  }

  async #report (...args: Parameters<BullLeases['report']>): Promise<boolean> {
    this.#assertOpen()
    return await this.#leases.report(...args)
  }

  /**
   * Walks held jobs oldest first (per portal, in portal order) and applies `act` until `limit` of
   * them answered true; `stop` ends a portal's walk early (purge: the rest are younger).
   */
  async #eachHeld (action: string, opts: HeldSelection, act: (job: SubmissionJob) => Promise<boolean>,
    stop?: (job: SubmissionJob) => boolean): Promise<number> {
    this.#assertOpen()
    return await storeCall(action, async () => {
      let done = 0
      const PAGE = 200
      for (const portalId of await this.#reg.portals()) {
        const q = await this.#reg.queue(portalId)
        let skipped = 0
        for (let page = 0; page < 10_000 && done < opts.limit; page++) {
          const ids = await heldIds(q, this.redis, skipped, PAGE)
          if (ids.length === 0) break
          const jobs = await Promise.all(ids.map(async jobId => await q.getJob(jobId) as SubmissionJob | undefined))
          let stopped = false
          for (const job of jobs) {
            if (done >= opts.limit) break
            if (job === undefined || (opts.formId !== undefined && job.data.formId !== opts.formId)) { skipped++; continue }
            if (stop?.(job) === true) { stopped = true; break }
            if (await act(job)) done++
            else skipped++
          }
          if (stopped) break
        }
      }
      return done
    })
  }

  async #remove (job: SubmissionJob): Promise<boolean> {
    try {
      await job.remove({ removeChildren: false })
      return true
    } catch (err) {
      if (isBullCode(err)) return false
      throw err
    }
  }

  /** The job with this id in whichever portal's queue holds it. */
  async #find (id: string): Promise<{ queue: SubmissionQueue, job: SubmissionJob } | undefined> {
    const queues = await Promise.all((await this.#reg.portals()).map(async p => await this.#reg.queue(p)))
    const jobs = await Promise.all(queues.map(async q => await q.getJob(id) as SubmissionJob | undefined))
    const i = jobs.findIndex(j => j !== undefined)
    return i < 0 ? undefined : { queue: queues[i]!, job: jobs[i]! }
  }

  #assertOpen (): void {
    if (this.#closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The outbox is closed')
  }
}
