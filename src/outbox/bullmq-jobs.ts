/** A submission as a BullMQ job: queue name, job options, lease tokens, failure notes, and the attempt count and outcome they encode. */
import { createHash, randomBytes } from 'node:crypto'
import type { Job, JobsOptions } from 'bullmq'
import type { StoredError } from './types.ts'

/** What the job's `data` holds. Written once at enqueue (and by requeueDead, while the job is dead and inert). */
export interface SubmissionData {
  formId: string
  portalId: string
  payload: Record<string, unknown>
  meta: Record<string, unknown> | null
  dedupeKey: string | null
  /** What the dedupe key stands for (a hash of the values); an Idempotency-Key reused with other values is a mismatch. */
  fingerprint?: string | null
  createdAt: number
  /**
   * Set by requeueDead: BullMQ's `retry()` clears failedReason and attemptsMade but not the
   * stalled counter, so what the port keeps across a requeue is carried here.
   */
  carried?: { lastError: StoredError | null, outcomeUnknown: boolean, stalledBase: number, requeuedAt: number }
}

/**
 * A job's failedReason: the error of its last failed attempt as JSON, whether that attempt may
 * have reached the portal, and (for a retry) when it is due. BullMQ writes it in the same script
 * that moves the job, so the flag is stored before anyone can claim the job again.
 */
export interface FailureNote extends StoredError {
  unknown: boolean
  at?: number
}

export type SubmissionJob = Job<SubmissionData, { leadId: number, dealId?: number } | null, string>

export const JOB_NAME = 'submission'
/** The lane decides when to give up (maxAttempts); BullMQ must never fail a job on its own count. */
const NO_ATTEMPT_LIMIT = 2_147_483_647
/** Our backoff strategy: the retry time the lane decided, carried by the error (RetryAt). */
export const BACKOFF_TYPE = 'relay-at'

const PLAIN_NAME = /^[\w.-]{1,100}$/

/** One queue per portal; BullMQ forbids ':' in queue names, so unusual portal ids are encoded. */
export function queueName (portalId: string): string {
  return PLAIN_NAME.test(portalId) ? `portal.${portalId}` : `portal~${Buffer.from(portalId).toString('base64url')}`
}

/**
 * A held submission (its form was flooded) is a delayed job due at this fixed instant, far enough
 * ahead never to come due by itself (2039-07), and within BullMQ's delayed scores (instant × 4096
 * must stay below 2^53). Its job stays in its queue, so the dedupe key keeps working; release is
 * BullMQ's promote, discard is remove. Held jobs sort by their ULID among themselves.
 */
export const HELD_AT = 2_194_000_000_000
/** The lowest delayed-set score of a held job. */
export const HELD_MIN_SCORE = HELD_AT * 0x1000

/** A delayed job is held when it was added to wait for HELD_AT (promote sets its delay to 0; a retry's delay is short). */
export function isHeld (job: SubmissionJob, state: string): boolean {
  return state === 'delayed' && (job.timestamp ?? 0) + (job.delay ?? 0) >= HELD_AT
}

export function jobOptions (id: string, dedupeKey: string | null, windowMs: number, held: boolean, now: number): JobsOptions {
  return {
    jobId: id,
    ...(held ? { delay: Math.max(1, HELD_AT - now), timestamp: now } : {}),
    // Delivered and dead submissions stay for review, as in SQLite.
    removeOnComplete: false,
    removeOnFail: false,
    attempts: NO_ATTEMPT_LIMIT,
    backoff: { type: BACKOFF_TYPE },
    stackTraceLimit: 0,
    // The window is BullMQ's deduplication TTL: fixed at the first add, not extended by duplicates.
    ...(dedupeKey !== null && windowMs > 0 ? { deduplication: { id: dedupeKey, ttl: windowMs } } : {})
  }
}

/**
 * A lease token is the BullMQ lock token itself, prefixed with the portal (base64url, never a
 * '.') so a report finds the job's queue from the token alone, in any process.
 */
export function newLease (portalId: string): string {
  return `${Buffer.from(portalId).toString('base64url')}.${randomBytes(16).toString('base64url')}`
}

export function leasePortal (token: string): string | undefined {
  if (typeof token !== 'string') return undefined
  const dot = token.indexOf('.')
  if (dot <= 0) return undefined
  return Buffer.from(token.slice(0, dot), 'base64url').toString()
}

/** Names a lease in the attempt history without writing the token (a proof of ownership) into it. */
export function leaseTag (token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 12)
}

/** retryLater's error: BullMQ's retry path calls our backoff strategy with it, which answers its delay. */
export class RetryAt extends Error {
  readonly at: number
  constructor (note: FailureNote & { at: number }) {
    super(JSON.stringify(note))
    this.at = note.at
  }
}

/** The Worker's `settings.backoffStrategy`: the delay from `now` (the outbox's clock) until the lane's chosen time (0: due at once). */
export function retryDelay (now: number, err?: Error): number {
  const at = err instanceof RetryAt ? err.at : Number((err as { at?: unknown } | undefined)?.at)
  return Number.isFinite(at) ? Math.max(0, Math.ceil(at - now)) : 0
}

export function readFailure (job: SubmissionJob): FailureNote | null {
  const reason = job.failedReason
  if (typeof reason !== 'string' || reason === '') return null
  try {
    const note = JSON.parse(reason) as Partial<FailureNote>
    if (typeof note.code === 'string') {
      return {
        code: note.code,
        message: String(note.message ?? ''),
        unknown: note.unknown === true,
        ...(typeof note.at === 'number' ? { at: note.at } : {})
      }
    }
  } catch { /* a reason BullMQ wrote itself (it never should): keep it readable */ }
  return { code: 'RELAY_ERR_STORE', message: reason, unknown: false }
}

/**
 * Attempts in the port's sense, from BullMQ's own counters: attemptsMade counts retries and the
 * final outcome, stalledCounter counts leases that ran out; a release (moveToWait) touches
 * neither, so it is not counted. The job's current attempt adds one while it is active.
 */
export function attemptsOf (job: SubmissionJob, active: boolean): number {
  const stalled = (job.stalledCounter ?? 0) - (job.data.carried?.stalledBase ?? 0)
  return (job.attemptsMade ?? 0) + Math.max(0, stalled) + (active ? 1 : 0)
}

/** Sticky: a lease that ran out (stalled), a retry reported as unknown, or either before a requeue. */
export function unknownOf (job: SubmissionJob): boolean {
  return (job.stalledCounter ?? 0) > 0 || readFailure(job)?.unknown === true || job.data.carried?.outcomeUnknown === true
}
