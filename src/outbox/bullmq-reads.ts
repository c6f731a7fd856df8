/** Reads across the portals' BullMQ queues: dead letters (failed jobs) and the outbox's counts. */
import type { Redis } from 'ioredis'
import { HELD_MIN_SCORE, type SubmissionJob } from './bullmq-jobs.ts'
import type { SubmissionQueue } from './bullmq-queues.ts'
import { toSummary } from './bullmq-records.ts'
import type { HeldSummary, OutboxStats, SubmissionSummary } from './types.ts'

/** Dead letters oldest first: ids are ULIDs, so sorting them sorts by creation time. */
export async function readDead (queues: SubmissionQueue[], limit: number, offset: number): Promise<SubmissionSummary[]> {
  const lists = await Promise.all(queues.map(async q => (await q.getRanges(['failed'], 0, -1)).map(id => ({ q, id }))))
  const page = lists.flat().sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0).slice(offset, offset + limit)
  const jobs = await Promise.all(page.map(async ({ q, id }) => await q.getJob(id) as SubmissionJob | undefined))
  // A dead letter requeued between the two reads is no longer one (retry() clears finishedOn).
  return jobs.filter((j): j is SubmissionJob => j !== undefined && typeof j.finishedOn === 'number').map(j => toSummary(j, 'failed'))
}

const OPEN_STATES = ['wait', 'prioritized', 'active'] as const

/** Ids of held jobs (delayed to HELD_AT), oldest first; `from` pages on. */
export async function heldIds (q: SubmissionQueue, client: Redis, from: number, count: number, newestFirst = false): Promise<string[]> {
  return newestFirst
    ? await client.zrevrangebyscore(q.keys.delayed!, '+inf', HELD_MIN_SCORE, 'LIMIT', from, count)
    : await client.zrangebyscore(q.keys.delayed!, HELD_MIN_SCORE, '+inf', 'LIMIT', from, count)
}

/**
 * Counts from BullMQ per portal. Due: waiting jobs plus delayed ones whose time has come; a lease
 * that ran out counts once BullMQ's stalled check has moved it back to wait. Held jobs are the
 * delayed ones at HELD_AT and count only as held.
 */
export async function readStats (
  portals: ReadonlyArray<readonly [string, SubmissionQueue]>, now: number, client: Redis
): Promise<OutboxStats> {
  const stats: OutboxStats = {
    pending: 0, leased: 0, delivered: 0, dead: 0, held: 0, newestHeldAt: null, due: 0, oldestPendingAt: null, byPortal: {}
  }
  let oldest: { q: SubmissionQueue, id: string } | undefined
  let newestHeld: { q: SubmissionQueue, id: string } | undefined
  await Promise.all(portals.map(async ([portalId, q]) => {
    const [c, dueLater, open, delayedOpen, held, newest] = await Promise.all([
      q.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
      // Delayed jobs scheduled strictly before now + 1 ms: due now.
      q.getDelayedCount(now + 1),
      q.getRanges([...OPEN_STATES], 0, -1),
      client.zrangebyscore(q.keys.delayed!, '-inf', `(${HELD_MIN_SCORE}`),
      client.zcount(q.keys.delayed!, HELD_MIN_SCORE, '+inf'),
      heldIds(q, client, 0, 1, true)
    ])
    const n = (k: string): number => c[k] ?? 0
    stats.held += held
    if (newest[0] !== undefined && (newestHeld === undefined || newest[0] > newestHeld.id)) newestHeld = { q, id: newest[0] }
    open.push(...delayedOpen)
    const pending = n('wait') + n('prioritized') + n('delayed') - held
    const leased = n('active')
    const dead = n('failed')
    stats.pending += pending
    stats.leased += leased
    stats.delivered += n('completed')
    stats.dead += dead
    stats.due += n('wait') + n('prioritized') + dueLater
    if (pending + leased + dead > 0) stats.byPortal[portalId] = { pending, leased, dead }
    for (const id of open) if (oldest === undefined || id < oldest.id) oldest = { q, id }
  }))
  if (oldest !== undefined) {
    const job = await oldest.q.getJob(oldest.id) as SubmissionJob | undefined
    stats.oldestPendingAt = job?.data.createdAt ?? null
  }
  if (newestHeld !== undefined) {
    const job = await newestHeld.q.getJob(newestHeld.id) as SubmissionJob | undefined
    stats.newestHeldAt = job?.data.createdAt ?? null
  }
  return stats
}

/** Held jobs and the newest one's createdAt: one count and one look-up per portal, whatever the backlog. */
export async function readHeldSummary (queues: readonly SubmissionQueue[], client: Redis): Promise<HeldSummary> {
  let held = 0
  let newest: { q: SubmissionQueue, id: string } | undefined
  await Promise.all(queues.map(async q => {
    const [count, ids] = await Promise.all([client.zcount(q.keys.delayed!, HELD_MIN_SCORE, '+inf'), heldIds(q, client, 0, 1, true)])
    held += count
    if (ids[0] !== undefined && (newest === undefined || ids[0] > newest.id)) newest = { q, id: ids[0] }
  }))
  if (newest === undefined) return { held, newestHeldAt: null }
  const job = await newest.q.getJob(newest.id) as SubmissionJob | undefined
  return { held, newestHeldAt: job?.data.createdAt ?? null }
}
