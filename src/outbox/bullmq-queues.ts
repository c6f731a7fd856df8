/**
 * The BullMQ objects of one outbox handle: a Queue per portal on the fail-fast command connection,
 * Workers (manual processing, one per portal and lease duration) on the worker connection, and the
 * set of portals ever enqueued to. Objects that could not start (Redis away) are dropped and made
 * again on the next call, so the handle recovers by itself.
 */
import { Queue, Worker } from 'bullmq'
import type { Redis } from 'ioredis'
import { queueName, retryDelay, type SubmissionData } from './bullmq-jobs.ts'
import { StoreError, storeFailure } from './errors.ts'
import type { OutboxClock, OutboxLogger } from './types.ts'

export type SubmissionQueue = Queue<SubmissionData>
export type SubmissionWorker = Worker<SubmissionData>

export interface BullRegistryOptions {
  /** Fail-fast connection for Queues (enqueue, reads, logs). */
  redis: Redis
  /** Connection the Workers share (claims, reports, stalled checks). */
  workerRedis: Redis
  /** BullMQ's key prefix, "{name}" (a Redis Cluster hash tag). */
  prefix: string
  /** Key of the set of known portals. */
  portalsKey: string
  log: OutboxLogger
  /**
   * How often the Workers look for leases that ran out (BullMQ's stalled check). BullMQ runs one
   * check per queue per interval across every process (a key with that TTL), so all instances
   * should use the same value; a lease is back within about two intervals after it ran out.
   */
  stalledCheckMs: number
  /** How long starting a Queue or Worker may take; default 5 s. */
  readyTimeoutMs?: number
  /** The outbox's clock: a retry's delay runs from it to the retry time the lane chose. */
  clock: OutboxClock
}

/** Used when a report reaches a handle that never claimed on that portal. */
const REPORT_LEASE_MS = 60_000

export class BullRegistry {
  readonly #o: BullRegistryOptions
  readonly #queues = new Map<string, Promise<SubmissionQueue>>()
  readonly #workers = new Map<string, Promise<SubmissionWorker>>()
  readonly #known = new Set<string>()

  constructor (opts: BullRegistryOptions) {
    this.#o = opts
  }

  async queue (portalId: string): Promise<SubmissionQueue> {
    return await this.#cached(this.#queues, portalId, this.#o.redis, () => {
      const queue = new Queue<SubmissionData>(queueName(portalId), { connection: this.#o.redis, prefix: this.#o.prefix })
      queue.on('error', err => this.#o.log.debug({ portalId, err: { message: err.message } }, 'BullMQ queue error'))
      return queue
    })
  }

  /** The Worker claiming with this lease: its lockDuration is the lease, its stalled check returns leases that ran out. */
  async worker (portalId: string, leaseMs: number): Promise<SubmissionWorker> {
    return await this.#cached(this.#workers, `${portalId}\n${leaseMs}`, this.#o.workerRedis, () => {
      const worker = new Worker<SubmissionData>(queueName(portalId), undefined, {
        connection: this.#o.workerRedis,
        prefix: this.#o.prefix,
        autorun: false,
        lockDuration: leaseMs,
        stalledInterval: this.#o.stalledCheckMs,
        // A lease that runs out is claimable again (with outcomeUnknown), never failed for stalling.
        maxStalledCount: 1_000_000_000,
        settings: { backoffStrategy: (_attemptsMade, _type, err) => retryDelay(this.#o.clock(), err) }
      })
      worker.on('error', err => this.#o.log.debug({ portalId, err: { message: err.message } }, 'BullMQ worker error'))
      worker.on('stalled', jobId =>
        this.#o.log.warn({ portalId, submissionId: jobId }, 'lease ran out; the submission is claimable again'))
      return worker
    }, async worker => { await worker.startStalledCheckTimer() })
  }

  /** Any Worker of the portal (reports need one: retryLater uses its backoff strategy). */
  async anyWorker (portalId: string): Promise<SubmissionWorker> {
    for (const [key, worker] of this.#workers) if (key.startsWith(`${portalId}\n`)) return await worker
    return await this.worker(portalId, REPORT_LEASE_MS)
  }

  /** Records that the portal has submissions, before its first enqueue, so reads across portals find it. */
  async remember (portalId: string): Promise<void> {
    if (this.#known.has(portalId)) return
    await this.#o.redis.sadd(this.#o.portalsKey, portalId)
    this.#known.add(portalId)
  }

  /** Every portal any instance has enqueued to, sorted. */
  async portals (): Promise<string[]> {
    for (const p of await this.#o.redis.smembers(this.#o.portalsKey)) this.#known.add(p)
    return [...this.#known].sort()
  }

  async close (): Promise<void> {
    const workers = [...this.#workers.values()]
    const queues = [...this.#queues.values()]
    this.#workers.clear()
    this.#queues.clear()
    // Forced: nothing runs inside a Worker here, and a gentle close leaves its blocking connection
    // reconnecting forever (without listeners) when Redis is away at that moment.
    await Promise.allSettled(workers.map(async w => { await (await w).close(true) }))
    await Promise.allSettled(queues.map(async q => { await (await q).close() }))
  }

  /**
   * Creating a Queue or Worker while its connection is down would wait for Redis to come back;
   * refuse at once instead, and forget one that failed to start so the next call tries again.
   */
  async #cached<T extends SubmissionQueue | SubmissionWorker> (
    cache: Map<string, Promise<T>>, key: string, connection: Redis, make: () => T, started?: (made: T) => Promise<void>
  ): Promise<T> {
    const hit = cache.get(key)
    if (hit !== undefined) return await hit
    if (connection.status !== 'ready') {
      throw new StoreError('RELAY_ERR_STORE', `Outbox cannot reach Redis (connection ${connection.status})`)
    }
    const made = make()
    const ready = (async () => {
      let timer: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          made.waitUntilReady(),
          new Promise((_resolve, reject) => {
            timer = setTimeout(() => reject(new Error('BullMQ did not get ready in time')), this.#o.readyTimeoutMs ?? 5000)
          })
        ])
        await started?.(made)
        return made
      } catch (err) {
        cache.delete(key)
        const closing = made instanceof Worker ? made.close(true) : made.close()
        // Best effort: the start failure is what gets reported, not a failing close of the half-made object.
        closing.catch(() => {})
        throw storeFailure('start', err)
      } finally {
        clearTimeout(timer)
      }
    })()
    cache.set(key, ready)
    return await ready
  }
}
