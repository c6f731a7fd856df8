/**
 * Leases on BullMQ jobs: taking jobs off a portal's wait list with a Worker, and reports that end
 * a lease with one of BullMQ's own moves, retried while Redis is away and the lease lasts.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Job } from 'bullmq'
import { ReplyError } from 'ioredis'
import { attemptsOf, leasePortal, leaseTag, newLease, unknownOf, type SubmissionJob } from './bullmq-jobs.ts'
import type { BullRegistry, SubmissionWorker } from './bullmq-queues.ts'
import { endRow, startRow } from './bullmq-records.ts'
import { storeFailure } from './errors.ts'
import type { AttemptOutcome, ClaimedSubmission, OutboxClock, OutboxLogger, StoredError } from './types.ts'

/** `until` by the outbox's clock (what the claim reported); `deadline` by real time, which the Redis lock runs on. */
interface Lease { job: SubmissionJob, until: number, deadline: number }

export interface BullLeasesOptions {
  reg: BullRegistry
  log: OutboxLogger
  /** How long a report keeps retrying while Redis is away when its lease end is not known here. */
  reportRetryMs: number
  closed: () => boolean
  /** Stamps the claims and the attempt history. */
  clock: OutboxClock
}

export class BullLeases {
  readonly #o: BullLeasesOptions
  // Lease token → the claimed job and when its lease ends (a report waits for Redis no longer than that).
  readonly #leases = new Map<string, Lease>()

  constructor (opts: BullLeasesOptions) {
    this.#o = opts
  }

  /** Up to n jobs off the portal's wait list: one call first (an idle queue costs one), then the rest together. */
  async take (worker: SubmissionWorker, portalId: string, n: number, leaseMs: number): Promise<ClaimedSubmission[]> {
    const startedAt = this.#o.clock()
    const deadline = Date.now() + leaseMs
    const fetch = async (): Promise<Lease & { token: string } | undefined> => {
      const token = newLease(portalId)
      const job = await worker.getNextJob(token, { block: false }) as SubmissionJob | undefined
      return job === undefined ? undefined : { job, token, until: startedAt + leaseMs, deadline }
    }
    const first = await storeCall('claim', fetch)
    if (first === undefined) return []
    // A fetch lost to a dropped connection leaves its job active without an owner: its lease runs out and it comes back.
    const rest = n > 1
      ? (await Promise.allSettled(Array.from({ length: n - 1 }, fetch))).map(r => r.status === 'fulfilled' ? r.value : undefined)
      : []
    const taken = [first, ...rest].filter(t => t !== undefined)
    const realNow = Date.now()
    for (const [token, lease] of this.#leases) if (lease.deadline < realNow) this.#leases.delete(token)
    const claimed = taken.map(({ job, token, until }) => {
      this.#leases.set(token, { job, until, deadline })
      const c: ClaimedSubmission = {
        id: job.id ?? '',
        formId: job.data.formId,
        portalId: job.data.portalId,
        payload: job.data.payload,
        attempts: attemptsOf(job, true),
        createdAt: job.data.createdAt,
        leaseToken: token,
        leaseUntil: until,
        outcomeUnknown: unknownOf(job)
      }
      return c
    })
    // The history's start rows; the claim stands even if they cannot be written.
    const logged = await Promise.allSettled(claimed.map(async c => {
      await (await this.#o.reg.queue(portalId)).addJobLog(c.id, startRow(leaseTag(c.leaseToken), c.attempts, startedAt, leaseMs))
    }))
    if (logged.some(r => r.status === 'rejected')) {
      this.#o.log.warn({ portalId, count: claimed.length }, 'claim not written to the attempt history (Redis away)')
    }
    return claimed
  }

  /**
   * A report is one BullMQ move, checked against the lock token by BullMQ's own script; a token
   * that is not the job's lock answers false. A report whose reply is lost to a dropped
   * connection is retried until the lease would end anyway; a retry of one that did land finds
   * the lock gone and answers false.
   */
  async report (
    op: string, id: string, token: string, outcome: AttemptOutcome, error: StoredError | undefined,
    move: (job: SubmissionJob) => Promise<void>
  ): Promise<boolean> {
    const portalId = leasePortal(token)
    if (portalId === undefined) return false
    const lease = this.#leases.get(token)
    const deadline = lease?.deadline ?? Date.now() + this.#o.reportRetryMs
    let waitMs = 100
    let warned = false
    for (;;) {
      try {
        const job = lease?.job.id === id
          ? lease.job
          : await Job.fromId(await this.#o.reg.anyWorker(portalId), id) as SubmissionJob | undefined
        if (job === undefined) return false
        await move(job)
        this.#leases.delete(token)
        await this.#logEnd(portalId, id, token, outcome, error)
        return true
      } catch (err) {
        if (isBullCode(err)) {
          this.#leases.delete(token)
          return false
        }
        if (err instanceof ReplyError || this.#o.closed() || Date.now() + waitMs > deadline) throw storeFailure(op, err)
        if (!warned) {
          this.#o.log.warn({ submissionId: id, action: op, err: { message: (err as Error).message } },
            'Redis away; the report waits for it while the lease lasts')
        }
        warned = true
        await sleep(waitMs)
        waitMs = Math.min(waitMs * 2, 2000)
      }
    }
  }

  async #logEnd (portalId: string, id: string, token: string, outcome: AttemptOutcome, error: StoredError | undefined): Promise<void> {
    try {
      await (await this.#o.reg.queue(portalId)).addJobLog(id, endRow(leaseTag(token), this.#o.clock(), outcome, error))
    } catch (err) {
      const logged = { submissionId: id, outcome, err: { message: (err as Error).message } }
      this.#o.log.warn(logged, 'report not written to the attempt history')
    }
  }
}

/** Runs one store call; whatever fails becomes a StoreError (the intake answers 503 for it). */
export async function storeCall<T> (action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw storeFailure(action, err)
  }
}

/** BullMQ answers a move it refused (lock missing or not ours, job gone or not in that state) with a negative code. */
export function isBullCode (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'number' && code < 0
}
