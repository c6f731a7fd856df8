/**
 * The SubmissionAdmin port: what operators need beyond the Outbox (search, delete, erase a person,
 * activity counts for charts, a write probe). A separate port so the Outbox stays the small contract
 * every backend implements; a backend without it simply has no admin search. Also the dead-letter
 * requeue loop, which needs the Outbox port only. Times are epoch milliseconds.
 */
import type { Outbox, SubmissionStatus, SubmissionSummary } from './types.ts'

export interface SubmissionFilter {
  status?: SubmissionStatus[]
  formId?: string
  portalId?: string
  /** createdAt >= from */
  from?: number
  /** createdAt < to */
  to?: number
  /** 1..500 */
  limit: number
  /** Only ids before this one (the `next` of the previous page): newest first. */
  before?: string
}

export interface SubmissionPage {
  items: SubmissionSummary[]
  /** Pass as `before` for the next page; absent on the last page. */
  next?: string
}

export interface ContactQuery {
  email?: string
  /** Compared in E.164 after normalising with `defaultCountry`, so "8 900 123-45-67" finds "+79001234567". */
  phone?: string
  defaultCountry?: string
}

export type ActivityKind = 'received' | 'delivered' | 'failed' | 'dead'

export interface ActivityQuery {
  from: number
  to: number
  /** Bucket width: 3_600_000 (hours) or 86_400_000 (days). Buckets start at multiples of it (UTC). */
  bucketMs: number
  portalId?: string
}

export interface ActivitySeries {
  /** Start of each bucket, oldest first; every bucket of the range is present, empty ones as 0. */
  buckets: number[]
  counts: Record<ActivityKind, number[]>
}

export interface SubmissionAdmin {
  list: (filter: SubmissionFilter) => Promise<SubmissionPage>

  /** Dead or retrying submissions with their last error, most recently updated first. */
  recentFailures: (limit: number) => Promise<SubmissionSummary[]>

  /** Removes the submission, its attempt history and its dedupe key. False if the id is unknown. */
  delete: (id: string) => Promise<boolean>

  /**
   * Removes every submission whose payload or meta holds this e-mail (case-insensitive) or phone,
   * in any status, with its history; resolves to the number removed. At least one of email/phone.
   * A submission leased at that moment is removed too; its in-flight call may still reach the portal.
   */
  eraseByContact: (query: ContactQuery) => Promise<number>

  /** Counts per time bucket: received, delivered, failed attempts, dead-lettered. */
  activity: (query: ActivityQuery) => Promise<ActivitySeries>

  /** Writes one row and rejects if the store cannot be written (read-only file, full disk, lock). */
  probeWrite: (now?: number) => Promise<void>
}

/**
 * Requeues every dead letter (of one portal) through the Outbox port alone, so it works on every
 * backend. Page by page; stops when a page requeues nothing, so it ends even if requeues fail.
 */
export async function requeueAllDead (outbox: Outbox, portalId?: string, onProgress?: (n: number) => void): Promise<number> {
  let total = 0
  for (let page = 0; page < 10_000; page++) {
    const dead = await outbox.listDead({ limit: 200, ...(portalId !== undefined ? { portalId } : {}) })
    if (dead.length === 0) break
    const done = (await Promise.all(dead.map(d => outbox.requeueDead(d.id)))).filter(Boolean).length
    total += done
    onProgress?.(total)
    if (done === 0) break
  }
  return total
}
