/**
 * The Redis Outbox adapter: several relays and workers on one queue. Every state change is one
 * atomic script (./redis-scripts.ts); reads are MULTI snapshots. DESIGN.md §9 says why this is
 * not built on BullMQ's job lifecycle.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { ReplyError, type Redis } from 'ioredis'
import { StoreError, storeFailure } from './errors.ts'
import { newLeaseToken } from './ids.ts'
import { checkClaim, checkLeadId, prepareSubmission } from './input.ts'
import { connectRedis } from './redis-connection.ts'
import { parseRedisUrl, redisKeys } from './redis-keys.ts'
import { checkPersistence, type RedisPersistence } from './redis-persistence.ts'
import { toAttempt, toClaimed, toStats, toSummary } from './redis-records.ts'
import { defineOutboxScripts, type OutboxScripts } from './redis-scripts.ts'
import type {
  ClaimOptions, ClaimedSubmission, EnqueueResult, ListDeadOptions, NewSubmission, Outbox, OutboxLogger, OutboxStats,
  StoredError, SubmissionRecord, SubmissionSummary
} from './types.ts'

export interface RedisOutboxOptions {
  /** redis://[user:password@]host:port/db, or rediss:// for TLS; `?prefix=name` names the keys (default "relay"). */
  url: string
  /** full expects appendfsync always on the server, relaxed accepts everysec; only the start-up warnings differ. */
  durability: 'full' | 'relaxed'
  logger?: OutboxLogger
  /** Overrides the URL's prefix (tests use a random one each). */
  keyPrefix?: string
  connectTimeoutMs?: number
  commandTimeoutMs?: number
  /** How long a report (complete, retryLater…) keeps retrying while Redis is away, when its lease end is not known here. Default 30 s. */
  reportRetryMs?: number
}

/** The Outbox plus what other parts of a Redis-mode relay share. */
export interface RedisOutbox extends Outbox {
  /** The connection this outbox owns; other shared state (rate limits) may use it; close() closes it. */
  readonly redis: Redis
  /** Every key of this relay starts with it, the limiter's too. */
  readonly keyPrefix: string
  /** What the server keeps on disk, as read at open or after the last reconnect. */
  persistence: () => RedisPersistence
}

const silent: OutboxLogger = { debug () {}, info () {}, warn () {}, error () {} }
// Enough for any sane window; keys outlive their window by this much so clock skew never ends one early.
const DEDUPE_TTL_MARGIN_MS = 60_000

export async function openRedisOutbox (opts: RedisOutboxOptions): Promise<RedisOutbox> {
  const log = opts.logger ?? silent
  const target = parseRedisUrl(opts.url)
  const keyPrefix = opts.keyPrefix ?? target.keyPrefix
  let outbox: RedisOutboxHandle | undefined
  const redis = await connectRedis({
    url: target.connectionUrl,
    log,
    ...(opts.connectTimeoutMs !== undefined ? { connectTimeoutMs: opts.connectTimeoutMs } : {}),
    ...(opts.commandTimeoutMs !== undefined ? { commandTimeoutMs: opts.commandTimeoutMs } : {}),
    onReconnect: () => { void outbox?.recheck() }
  })
  outbox = new RedisOutboxHandle(redis, keyPrefix, opts, log)
  await outbox.recheck()
  log.info({ keyPrefix, durability: opts.durability }, 'outbox opened on Redis')
  return outbox
}

class RedisOutboxHandle implements RedisOutbox {
  readonly redis: Redis
  readonly keyPrefix: string
  readonly #scripts: OutboxScripts
  readonly #log: OutboxLogger
  readonly #opts: RedisOutboxOptions
  // Lease token → local time its lease ends: how long a report may wait for Redis to come back.
  readonly #leases = new Map<string, number>()
  #persistence: RedisPersistence = { readable: false, appendonly: null, appendfsync: null, save: null, maxmemoryPolicy: null }
  #closed = false

  constructor (redis: Redis, keyPrefix: string, opts: RedisOutboxOptions, log: OutboxLogger) {
    this.redis = redis
    this.keyPrefix = keyPrefix
    this.#opts = opts
    this.#log = log
    this.#scripts = defineOutboxScripts(redis, keyPrefix)
  }

  persistence (): RedisPersistence {
    return this.#persistence
  }

  async recheck (): Promise<void> {
    this.#persistence = await checkPersistence(this.redis, this.#opts.durability, this.#log)
  }

  async enqueue (sub: NewSubmission): Promise<EnqueueResult> {
    this.#assertOpen()
    const s = prepareSubmission(sub)
    const ttl = Math.max(0, s.expiresAt - s.now) + DEDUPE_TTL_MARGIN_MS
    // No retry here: the intake must answer 503 now rather than keep the visitor waiting.
    const reply = await this.#run('enqueue', () => this.#scripts.enqueue(
      s.id, s.formId, s.portalId, s.payload, s.meta ?? '', s.meta === null ? '0' : '1',
      s.dedupeKey ?? '', s.dedupeKey === null ? '0' : '1', s.expiresAt, s.now, ttl)) as [string, number]
    return { id: reply[0], duplicate: Number(reply[1]) === 1 }
  }

  async claim (opts: ClaimOptions): Promise<ClaimedSubmission[]> {
    this.#assertOpen()
    checkClaim(opts)
    const tokens = Array.from({ length: opts.limit }, () => newLeaseToken())
    const rows = await this.#run('claim', () => this.#scripts.claim(
      opts.now ?? '', opts.limit, opts.leaseMs, opts.portalId ?? '', ...tokens)) as unknown[][]
    const localEnd = Date.now() + opts.leaseMs
    for (const [token, end] of this.#leases) if (end < Date.now()) this.#leases.delete(token)
    return rows.map(row => {
      const { claimed, expired } = toClaimed(row)
      if (expired) this.#log.warn({ submissionId: claimed.id, attempts: claimed.attempts }, 'lease ran out; claimed again')
      this.#leases.set(claimed.leaseToken, localEnd)
      return claimed
    })
  }

  async complete (id: string, token: string, result: { leadId: number, now?: number }): Promise<boolean> {
    checkLeadId(result.leadId)
    return await this.#report('complete', id, token, result.now, [result.leadId, '0', '', ''])
  }

  async retryLater (id: string, token: string, opts: { at: number, error: StoredError, outcomeUnknown: boolean, now?: number }): Promise<boolean> {
    if (!Number.isFinite(opts.at)) throw new StoreError('RELAY_ERR_STORE_INPUT', 'retryLater needs a finite `at`')
    return await this.#report('retry', id, token, opts.now, [opts.at, opts.outcomeUnknown ? '1' : '0', opts.error.code, opts.error.message])
  }

  async release (id: string, token: string, opts: { now?: number } = {}): Promise<boolean> {
    return await this.#report('release', id, token, opts.now, ['', '0', '', ''])
  }

  async deadLetter (id: string, token: string, error: StoredError, opts: { now?: number } = {}): Promise<boolean> {
    return await this.#report('dead', id, token, opts.now, ['', '0', error.code, error.message])
  }

  async requeueDead (id: string, opts: { now?: number } = {}): Promise<boolean> {
    this.#assertOpen()
    return Number(await this.#run('requeueDead', () => this.#scripts.requeueDead(id, opts.now ?? ''))) === 1
  }

  async get (id: string): Promise<SubmissionRecord | undefined> {
    this.#assertOpen()
    const [hash, history] = await this.#run('get', async () => unwrap(await this.redis.multi()
      .hgetall(redisKeys.submission(this.keyPrefix, id))
      .lrange(redisKeys.history(this.keyPrefix, id), 0, -1)
      .exec())) as [Record<string, string>, string[]]
    if (hash.status === undefined) return undefined
    return { ...toSummary(hash), history: history.map(toAttempt) }
  }

  async listDead (opts: ListDeadOptions): Promise<SubmissionSummary[]> {
    this.#assertOpen()
    const offset = opts.offset ?? 0
    return await this.#run('listDead', async () => {
      const ids = await this.redis.zrange(redisKeys.dead(this.keyPrefix, opts.portalId), offset, offset + opts.limit - 1)
      if (ids.length === 0) return []
      const multi = this.redis.multi()
      for (const id of ids) multi.hgetall(redisKeys.submission(this.keyPrefix, id))
      const hashes = unwrap(await multi.exec()) as Array<Record<string, string>>
      // A dead letter requeued between the two reads is no longer one.
      return hashes.filter(h => h.status === 'dead').map(toSummary)
    })
  }

  async stats (now?: number): Promise<OutboxStats> {
    this.#assertOpen()
    return toStats(await this.#run('stats', () => this.#scripts.stats(now ?? '')) as unknown[])
  }

  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.redis.removeAllListeners('close')
    try {
      await this.redis.quit()
    } catch {
      this.redis.disconnect()
    }
  }

  /**
   * A report whose reply is lost to a dropped connection is retried until the lease would end
   * anyway: the worker keeps its lease instead of letting it run out and forcing a look-up.
   * Retrying is safe: a report that did land makes the retry answer false (token no longer current).
   */
  async #report (op: string, id: string, token: string, now: number | undefined, args: Array<string | number>): Promise<boolean> {
    this.#assertOpen()
    const deadline = this.#leases.get(token) ?? Date.now() + (this.#opts.reportRetryMs ?? 30_000)
    let waitMs = 100
    let warned = false
    for (;;) {
      try {
        const done = Number(await this.#scripts.report(op, id, token, now ?? '', ...args)) === 1
        this.#leases.delete(token)
        return done
      } catch (err) {
        if (err instanceof ReplyError || this.#closed || Date.now() + waitMs > deadline) throw storeFailure(op, err)
        if (!warned) this.#log.warn({ submissionId: id, action: op, err: { message: (err as Error).message } }, 'Redis away; the report waits for it while the lease lasts')
        warned = true
        await sleep(waitMs)
        waitMs = Math.min(waitMs * 2, 2000)
      }
    }
  }

  async #run<T> (action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw storeFailure(action, err)
    }
  }

  #assertOpen (): void {
    if (this.#closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The outbox is closed')
  }
}

/** MULTI results come as [error, value] pairs; any error fails the whole read. */
function unwrap (results: Array<[Error | null, unknown]> | null): unknown[] {
  if (results === null) throw new Error('the transaction was aborted')
  return results.map(([err, value]) => {
    if (err !== null) throw err
    return value
  })
}
