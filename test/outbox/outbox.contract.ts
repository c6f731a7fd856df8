/**
 * The behaviour every Outbox adapter must show; each adapter's test file runs it against its own
 * store. Two clocks, one contract: a `fake`-clock store honours every `now` and is driven by a
 * fixed clock without sleeping (SQLite); a `wall`-clock store ignores `now` (BullMQ: its locks,
 * delays and dedupe TTLs run on real time), so where time must pass the same assertions run with
 * short real durations and bounded waits, checking instants against the window the call ran in.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ClaimedSubmission, NewSubmission, Outbox } from '../../src/outbox/types.ts'
import { waitFor } from '../helpers/wait-for.ts'

export interface OutboxHarness {
  /** A handle on a fresh, empty store. */
  outbox: Outbox
  /**
   * Opens another handle on the same data, as a restarted process or a second worker would.
   * Leave it out for stores that cannot (SQLite ':memory:') and pass `{ canReopen: false }`.
   */
  open?: () => Promise<Outbox>
  /** Closes every handle still open and removes the data. */
  cleanup: () => Promise<void>
}

// Fixed clock: every call passes `now`, so no test depends on wall time or sleeps.
const T0 = 1_700_000_000_000
const LEASE = 30_000

// Wall clock: durations short enough to wait for, long enough that no step outruns them on a busy machine.
/** A lease that must run out during the test. */
const WALL_SHORT_LEASE = 1500
/** How far ahead a retry is scheduled. */
const WALL_RETRY_IN = 1500
/** A dedupe window (the fixed clock uses 1,000 ms). */
const WALL_WINDOW = 2000
/** Every wait for time to pass is bounded. */
const WALL_WAIT = { timeoutMs: 15_000, intervalMs: 50 }

export interface ContractCapabilities {
  /** False for stores that cannot be reopened (SQLite ':memory:'): the reopen test is not defined. */
  canReopen?: boolean
  /** `fake` (default): the store honours `now`. `wall`: the store runs on real time and ignores `now`. */
  clock?: 'fake' | 'wall'
}

/** When a call ran, by the test's clock: a wall-clock store's instants must fall inside it. */
interface Window { from: number, to: number }
async function timed<T> (fn: () => Promise<T>): Promise<{ value: T } & Window> {
  const from = Date.now()
  const value = await fn()
  return { value, from, to: Date.now() }
}

const sub = (over: Partial<NewSubmission> = {}): NewSubmission => ({
  formId: 'contact',
  portalId: 'main',
  payload: { TITLE: 'Site form', NAME: 'Ann', PHONE: [{ VALUE: '+15550100', VALUE_TYPE: 'WORK' }] },
  meta: { ip: '203.0.113.9', fields: { name: 'Ann' } },
  now: T0,
  ...over
})

export function describeOutboxContract (name: string, factory: () => Promise<OutboxHarness>, capabilities: ContractCapabilities = {}): void {
  // A store that cannot be reopened does not define the reopen test at all (no skipped tests).
  const itReopen = capabilities.canReopen === false ? (() => {}) as unknown as typeof it : it
  const wall = capabilities.clock === 'wall'
  /** The `now` option of a call made `offset` ms after T0: fake → T0 + offset; wall → none (the store reads its clock). */
  const at = (offset: number): { now?: number } => wall ? {} : { now: T0 + offset }
  /** A submission; in wall mode without `now`. */
  const make = (over: Partial<NewSubmission> = {}): NewSubmission => {
    const s = sub(over)
    if (wall) delete s.now
    return s
  }
  /** What an instant must be: fake → exactly T0 + offset; wall → a number, then checked by `inWindow`. */
  const instant = (offset: number): unknown => wall ? expect.any(Number) : T0 + offset
  const inWindow = (value: number | null | undefined, w: Window): void => {
    if (!wall) return
    expect(value).toBeGreaterThanOrEqual(w.from)
    expect(value).toBeLessThanOrEqual(w.to)
  }
  /** Lets time pass: fake → the `now` of a call `ms` after T0; wall → a real pause of `wallMs`, no `now`. */
  const later = async (ms: number, wallMs: number): Promise<{ now?: number }> => {
    if (!wall) return { now: T0 + ms }
    await sleep(wallMs)
    return {}
  }
  /** A claim that must wait for a lease or a retry time to pass: fake → one claim at T0 + ms; wall → polled, bounded. */
  const claimWhenDue = async (outbox: Outbox, ms: number, leaseMs: number): Promise<ClaimedSubmission | undefined> => {
    if (!wall) return (await outbox.claim({ limit: 1, leaseMs, now: T0 + ms }))[0]
    return await waitFor(async () => (await outbox.claim({ limit: 1, leaseMs }))[0], { ...WALL_WAIT, what: 'a claim once the time has come' })
  }
  describe(`Outbox contract: ${name} (${wall ? 'wall' : 'fake'} clock)`, () => {
    let h: OutboxHarness
    let outbox: Outbox
    beforeEach(async () => {
      h = await factory()
      outbox = h.outbox
    })
    afterEach(async () => { await h.cleanup() })

    const enqueueMany = async (n: number, over: Partial<NewSubmission> = {}): Promise<string[]> =>
      (await Promise.all(Array.from({ length: n }, () => outbox.enqueue(make(over))))).map(r => r.id)

    describe('enqueue and get', () => {
      it('stores a pending submission and returns it by id', async () => {
        const t = await timed(() => outbox.enqueue(make({ dedupeKey: 'k1' })))
        const { id, duplicate } = t.value
        expect(duplicate).toBe(false)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({
          id, formId: 'contact', portalId: 'main', status: 'pending', attempts: 0, outcomeUnknown: false,
          payload: sub().payload, meta: sub().meta, dedupeKey: 'k1', createdAt: instant(0), nextAttemptAt: instant(0),
          leaseUntil: null, leadId: null, lastError: null, deliveredAt: null, history: []
        })
        inWindow(rec?.createdAt, t)
        expect(rec?.nextAttemptAt).toBe(rec?.createdAt)
      })

      it('returns undefined for an unknown id', async () => {
        expect(await outbox.get('no-such-id')).toBeUndefined()
      })

      it('gives every submission its own id, also when enqueued together', async () => {
        const ids = await enqueueMany(100)
        expect(new Set(ids).size).toBe(100)
      })

      it('rejects a payload that is not JSON without failing the calls beside it', async () => {
        const circular: Record<string, unknown> = {}
        circular.self = circular
        const [good, bad] = await Promise.allSettled([outbox.enqueue(make()), outbox.enqueue(make({ payload: circular }))])
        expect(good.status).toBe('fulfilled')
        expect(bad.status === 'rejected' && bad.reason).toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
      })
    })

    describe('durability', () => {
      itReopen('keeps submissions and their state across close and reopen', async () => {
        if (h.open === undefined) throw new Error('this harness declares it can reopen but has no open()')
        const { id: kept } = await outbox.enqueue(make())
        const { id: done } = await outbox.enqueue(make(at(1)))
        const [a, b] = await outbox.claim({ limit: 2, leaseMs: LEASE, ...at(10) })
        expect(a?.id).toBe(kept)
        await outbox.release(kept, a!.leaseToken)
        const t = await timed(() => outbox.complete(done, b!.leaseToken, { leadId: 42, ...at(20) }))
        await outbox.close()

        const reopened = await h.open()
        expect(await reopened.get(kept)).toMatchObject({ status: 'pending', attempts: 0, payload: sub().payload })
        const rec = await reopened.get(done)
        expect(rec).toMatchObject({ status: 'delivered', leadId: 42, deliveredAt: instant(20) })
        inWindow(rec?.deliveredAt, t)
      })

      it('is closed after close(): calls reject with RELAY_ERR_STORE_CLOSED, close() again is a no-op', async () => {
        await outbox.close()
        await outbox.close()
        await expect(outbox.enqueue(make())).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_CLOSED' })
        await expect(outbox.claim({ limit: 1, leaseMs: LEASE })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_CLOSED' })
      })
    })

    describe('claim', () => {
      it('leases the oldest due submissions first, up to the limit', async () => {
        let first: string, second: string, third: string
        if (wall) {
          // A wall-clock store stamps createdAt itself: creation order is the order of the calls.
          ;({ id: first } = await outbox.enqueue(make()))
          ;({ id: second } = await outbox.enqueue(make()))
          ;({ id: third } = await outbox.enqueue(make()))
        } else {
          ;({ id: third } = await outbox.enqueue(sub({ now: T0 + 2 })))
          ;({ id: first } = await outbox.enqueue(sub({ now: T0 })))
          ;({ id: second } = await outbox.enqueue(sub({ now: T0 + 1 })))
        }
        const now = at(10)
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE, ...now })).map(c => c.id)).toEqual([first, second])
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE, ...now })).map(c => c.id)).toEqual([third])
        expect(await outbox.claim({ limit: 2, leaseMs: LEASE, ...now })).toEqual([])
      })

      it('hands out the payload, a lease token and the attempt count', async () => {
        const enqueued = await timed(() => outbox.enqueue(make()))
        const { id } = enqueued.value
        const claimed = await timed(() => outbox.claim({ limit: 5, leaseMs: LEASE, ...at(5) }))
        const [c] = claimed.value
        expect(c).toMatchObject({
          id, formId: 'contact', portalId: 'main', payload: sub().payload, attempts: 1, createdAt: instant(0),
          leaseUntil: instant(5 + LEASE), outcomeUnknown: false
        })
        inWindow(c?.createdAt, enqueued)
        inWindow(c!.leaseUntil - LEASE, claimed)
        expect(typeof c?.leaseToken).toBe('string')
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({
          status: 'leased', attempts: 1, leaseUntil: c?.leaseUntil,
          history: [{ attempt: 1, startedAt: instant(5), endedAt: null, outcome: 'in_flight', error: null }]
        })
        expect(rec?.history[0]?.startedAt).toBe(c!.leaseUntil - LEASE)
      })

      it('filters by portal', async () => {
        const [a1, a2] = await enqueueMany(2, { portalId: 'a' })
        await enqueueMany(3, { portalId: 'b' })
        const claimed = await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'a', ...at(0) })
        expect(claimed.map(c => c.id).sort()).toEqual([a1, a2].sort())
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'c', ...at(0) })).toEqual([])
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE, ...at(0) })).toHaveLength(3)
      })

      it('never hands one submission to two concurrent claimers', async () => {
        const ids = await enqueueMany(60)
        const handles = h.open === undefined ? [outbox] : [outbox, await h.open()]
        const batches = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          handles[i % handles.length]!.claim({ limit: 7, leaseMs: LEASE, ...at(1) })))
        const claimed = batches.flat().map(c => c.id)
        expect(claimed).toHaveLength(60)
        expect(new Set(claimed)).toEqual(new Set(ids))
      })

      it('gives an expired lease to the next claimer with outcomeUnknown and the attempt carried', async () => {
        const lease = wall ? WALL_SHORT_LEASE : 1000
        const { id } = await outbox.enqueue(make())
        const claimed = await timed(() => outbox.claim({ limit: 1, leaseMs: lease, ...at(0) }))
        const [first] = claimed.value
        expect(await outbox.claim({ limit: 1, leaseMs: lease, ...at(lease - 1) })).toEqual([])
        // Wall clock: the next owner keeps a long lease, so no later step can outrun it.
        const second = await claimWhenDue(outbox, lease, wall ? LEASE : 1000)
        // Never before the first lease could have run out.
        if (wall) expect(Date.now()).toBeGreaterThanOrEqual(claimed.from + lease)
        expect(second).toMatchObject({ id, attempts: 2, outcomeUnknown: true })
        expect(second?.leaseToken).not.toBe(first?.leaseToken)

        expect(await outbox.complete(id, first!.leaseToken, { leadId: 1, ...at(1001) })).toBe(false)
        expect(await outbox.complete(id, second!.leaseToken, { leadId: 2, ...at(1002) })).toBe(true)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({ status: 'delivered', leadId: 2, attempts: 2 })
        expect(rec?.history.map(a => a.outcome)).toEqual(['lease_expired', 'delivered'])
      })

      it('rejects a bad limit or lease with RELAY_ERR_STORE_INPUT', async () => {
        await expect(outbox.claim({ limit: 0, leaseMs: LEASE })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
        await expect(outbox.claim({ limit: 1, leaseMs: 0 })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
      })
    })

    describe('reporting back', () => {
      it('complete marks it delivered; it is never claimed again', async () => {
        const lease = wall ? WALL_SHORT_LEASE : LEASE
        const { id } = await outbox.enqueue(make())
        const [c] = await outbox.claim({ limit: 1, leaseMs: lease, ...at(0) })
        const t = await timed(() => outbox.complete(id, c!.leaseToken, { leadId: 7, ...at(5) }))
        expect(t.value).toBe(true)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({ status: 'delivered', leadId: 7, deliveredAt: instant(5), leaseUntil: null })
        inWindow(rec?.deliveredAt, t)
        // Long after its lease would have run out.
        expect(await outbox.claim({ limit: 1, leaseMs: lease, ...await later(LEASE * 10, lease * 2) })).toEqual([])
      })

      it('answers false to a stale or wrong lease token and changes nothing', async () => {
        const { id } = await outbox.enqueue(make())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        const err = { code: 'X', message: 'x' }
        expect(await outbox.complete(id, 'not-the-token', { leadId: 1 })).toBe(false)
        expect(await outbox.retryLater(id, 'not-the-token', { at: T0, error: err, outcomeUnknown: false })).toBe(false)
        expect(await outbox.deadLetter(id, 'not-the-token', err)).toBe(false)
        expect(await outbox.release(id, 'not-the-token')).toBe(false)
        expect(await outbox.complete('no-such-id', c!.leaseToken, { leadId: 1 })).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'leased', attempts: 1 })

        expect(await outbox.complete(id, c!.leaseToken, { leadId: 1 })).toBe(true)
        expect(await outbox.complete(id, c!.leaseToken, { leadId: 2 })).toBe(false)
        expect(await outbox.retryLater(id, c!.leaseToken, { at: T0, error: err, outcomeUnknown: false })).toBe(false)
        expect(await outbox.deadLetter(id, c!.leaseToken, err)).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'delivered', leadId: 1 })
      })

      it('retryLater keeps it out of claims until `at`, with the error recorded', async () => {
        const { id } = await outbox.enqueue(make())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        const error = { code: 'QUERY_LIMIT_EXCEEDED', message: 'Too many requests' }
        const retryAt = wall ? Date.now() + WALL_RETRY_IN : T0 + 5000
        const t = await timed(() => outbox.retryLater(id, c!.leaseToken, { at: retryAt, error, outcomeUnknown: false, ...at(1) }))
        expect(t.value).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: retryAt, lastError: error })
        expect(await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(4999) })).toEqual([])
        const again = await claimWhenDue(outbox, 5000, LEASE)
        if (wall) expect(Date.now()).toBeGreaterThanOrEqual(retryAt)
        expect(again).toMatchObject({ id, attempts: 2, outcomeUnknown: false })
        const history = (await outbox.get(id))?.history
        expect(history).toMatchObject([
          { attempt: 1, outcome: 'retry', endedAt: instant(1), error },
          { attempt: 2, outcome: 'in_flight' }
        ])
        inWindow(history?.[0]?.endedAt, t)
      })

      it('outcomeUnknown reported to retryLater sticks through later clean failures', async () => {
        const { id } = await outbox.enqueue(make())
        const error = { code: 'RELAY_ERR_TIMEOUT', message: 'no answer' }
        // Due at once.
        const now = (): number => wall ? Date.now() : T0
        let [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        await outbox.retryLater(id, c!.leaseToken, { at: now(), error, outcomeUnknown: true })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        expect(c?.outcomeUnknown).toBe(true)
        await outbox.retryLater(id, c!.leaseToken, { at: now(), error, outcomeUnknown: false })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        expect(c).toMatchObject({ attempts: 3, outcomeUnknown: true })
      })

      it('release gives it back, due at once, without counting the attempt', async () => {
        const { id } = await outbox.enqueue(make())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        expect(await outbox.release(id, c!.leaseToken, at(1))).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null })
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(2) })
        expect(again).toMatchObject({ id, attempts: 1, outcomeUnknown: false })
        expect((await outbox.get(id))?.history.map(a => a.outcome)).toEqual(['released', 'in_flight'])
      })

      it('deadLetter keeps it with its error, unclaimable, until requeueDead', async () => {
        const lease = wall ? WALL_SHORT_LEASE : LEASE
        const { id } = await outbox.enqueue(make({ portalId: 'p' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: lease, ...at(0) })
        const error = { code: 'RELAY_ERR_BITRIX_REJECTED', message: 'bad field' }
        expect(await outbox.deadLetter(id, c!.leaseToken, error, at(1))).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'dead', lastError: error, attempts: 1 })
        // Long after its lease would have run out.
        expect(await outbox.claim({ limit: 1, leaseMs: lease, ...await later(LEASE * 10, lease * 2) })).toEqual([])
        expect((await outbox.listDead({ limit: 10 })).map(d => d.id)).toEqual([id])
        expect(await outbox.listDead({ limit: 10, portalId: 'other' })).toEqual([])

        expect(await outbox.requeueDead(id, at(100))).toBe(true)
        expect(await outbox.requeueDead(id)).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, lastError: error })
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(100) })
        expect(again).toMatchObject({ id, attempts: 1 })
        expect(await outbox.listDead({ limit: 10 })).toEqual([])
        expect(await outbox.stats(at(100).now)).toMatchObject({ pending: 0, leased: 1, dead: 0, byPortal: { p: { leased: 1 } } })
      })
    })

    describe('dedupe', () => {
      it('returns the first id for the same key inside the window', async () => {
        const win = wall ? WALL_WINDOW : 1000
        const first = await outbox.enqueue(make({ dedupeKey: 'same', dedupeWindowMs: win }))
        const again = await outbox.enqueue(make({ dedupeKey: 'same', dedupeWindowMs: win, ...at(999) }))
        expect(again).toEqual({ id: first.id, duplicate: true })
        const other = await outbox.enqueue(make({ dedupeKey: 'other', dedupeWindowMs: win, ...at(999) }))
        expect(other.duplicate).toBe(false)
        expect((await outbox.stats(at(999).now)).pending).toBe(2)
      })

      it('stores a new submission once the window has passed, and the key moves to it', async () => {
        const win = wall ? WALL_WINDOW : 1000
        const enqueued = await timed(() => outbox.enqueue(make({ dedupeKey: 'same', dedupeWindowMs: win })))
        const first = enqueued.value
        // Wall clock: retried until the window has passed; every retry inside it stores nothing and
        // must not extend the window, or this would never end.
        const after = wall
          ? await waitFor(async () => {
            const r = await outbox.enqueue(make({ dedupeKey: 'same', dedupeWindowMs: win }))
            return r.duplicate ? undefined : r
          }, { ...WALL_WAIT, intervalMs: 100, what: 'the dedupe window to pass' })
          : await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win, now: T0 + 1000 }))
        if (wall) expect(Date.now()).toBeGreaterThanOrEqual(enqueued.from + win)
        expect(after.duplicate).toBe(false)
        expect(after.id).not.toBe(first.id)
        const third = await outbox.enqueue(make({ dedupeKey: 'same', dedupeWindowMs: win, ...at(1500) }))
        expect(third).toEqual({ id: after.id, duplicate: true })
      })

      it('dedupes identical submissions enqueued together', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(make({ dedupeKey: 'burst' }))))
        expect(results.filter(r => !r.duplicate)).toHaveLength(1)
        expect(new Set(results.map(r => r.id)).size).toBe(1)
      })

      it('answers with the first id whatever became of it, and never dedupes without a key', async () => {
        const { id } = await outbox.enqueue(make({ dedupeKey: 'k' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(0) })
        await outbox.complete(id, c!.leaseToken, { leadId: 3, ...at(1) })
        expect(await outbox.enqueue(make({ dedupeKey: 'k', ...at(2) }))).toEqual({ id, duplicate: true })
        const [x, y] = await Promise.all([outbox.enqueue(make()), outbox.enqueue(make())])
        expect(x?.id).not.toBe(y?.id)
      })
    })

    describe('held submissions (floods)', () => {
      it('stores a held submission durably, never claims it, and counts it apart', async () => {
        const { id: pending } = await outbox.enqueue(make({ ...at(0) }))
        const t = await timed(() => outbox.enqueue(make({ hold: true, ...at(5) })))
        const held = t.value.id
        expect(t.value.duplicate).toBe(false)
        const rec = await outbox.get(held)
        expect(rec).toMatchObject({ status: 'held', attempts: 0, payload: sub().payload, history: [] })
        expect((await outbox.claim({ limit: 10, leaseMs: LEASE, ...at(10) })).map(c => c.id)).toEqual([pending])
        expect((await outbox.claim({ limit: 10, leaseMs: LEASE, ...await later(LEASE * 10, 300) })).map(c => c.id)).not.toContain(held)
        const stats = await outbox.stats(at(LEASE * 10).now)
        expect(stats).toMatchObject({ pending: 0, leased: 1, held: 1, due: 0, newestHeldAt: rec?.createdAt })
        inWindow(stats.newestHeldAt, t)
        expect(stats.byPortal).toEqual({ main: { pending: 0, leased: 1, dead: 0 } })
        expect(stats.oldestPendingAt).toBe((await outbox.get(pending))?.createdAt)
      })

      it('releases held ones oldest first, up to the limit and per form, as pending and due at once', async () => {
        const first = (await outbox.enqueue(make({ hold: true, ...at(0) }))).id
        const second = (await outbox.enqueue(make({ hold: true, ...at(1) }))).id
        const other = (await outbox.enqueue(make({ hold: true, formId: 'other', ...at(2) }))).id
        expect(await outbox.releaseHeld({ limit: 1, ...at(10) })).toBe(1)
        expect((await outbox.get(first))?.status).toBe('pending')
        expect((await outbox.get(second))?.status).toBe('held')
        expect(await outbox.releaseHeld({ limit: 10, formId: 'other', ...at(11) })).toBe(1)
        expect((await outbox.get(other))?.status).toBe('pending')
        expect((await outbox.get(second))?.status).toBe('held')
        const claimed = await outbox.claim({ limit: 10, leaseMs: LEASE, ...at(12) })
        expect(claimed.map(c => c.id).sort()).toEqual([first, other].sort())
        expect(claimed[0]).toMatchObject({ attempts: 1, outcomeUnknown: false })
        expect(await outbox.releaseHeld({ limit: 10, formId: 'nobody', ...at(13) })).toBe(0)
        expect((await outbox.stats(at(13).now)).held).toBe(1)
      })

      it('discards held ones in bulk and never touches the others', async () => {
        const kept = (await outbox.enqueue(make({ ...at(0) }))).id
        await Promise.all(Array.from({ length: 5 }, (_, i) => outbox.enqueue(make({ hold: true, ...at(i + 1) }))))
        const otherForm = (await outbox.enqueue(make({ hold: true, formId: 'other', ...at(9) }))).id
        expect(await outbox.discardHeld({ limit: 3, formId: 'contact' })).toBe(3)
        expect(await outbox.discardHeld({ limit: 100, formId: 'contact' })).toBe(2)
        expect((await outbox.stats(at(10).now)).held).toBe(1)
        expect((await outbox.get(otherForm))?.status).toBe('held')
        expect((await outbox.get(kept))?.status).toBe('pending')
        expect(await outbox.discardHeld({ limit: 100 })).toBe(1)
        expect(await outbox.stats(at(10).now)).toMatchObject({ held: 0, newestHeldAt: null, pending: 1 })
      })

      it('dedupes against a held submission like any other', async () => {
        const first = await outbox.enqueue(make({ hold: true, dedupeKey: 'flood-k' }))
        expect(await outbox.enqueue(make({ dedupeKey: 'flood-k', ...at(1) }))).toEqual({ id: first.id, duplicate: true })
      })
    })

    describe('idempotency fingerprints', () => {
      it('answers a mismatch when the key comes back with another fingerprint, a duplicate with the same one', async () => {
        const first = await outbox.enqueue(make({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-a' }))
        expect(await outbox.enqueue(make({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-a', ...at(1) })))
          .toEqual({ id: first.id, duplicate: true })
        expect(await outbox.enqueue(make({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-b', ...at(2) })))
          .toEqual({ id: first.id, duplicate: true, mismatch: true })
        expect((await outbox.stats(at(3).now)).pending).toBe(1)
      })
    })

    describe('retention', () => {
      const file = { field: 'cv', name: 'cv.pdf', type: 'application/pdf', size: 4, content: 'JVBERg==' }
      const rules = { maxBytes: 10, types: [], download: false, downloadTimeoutMs: 1 }
      const withFile = { fields: { TITLE: 'x' }, extras: { files: { items: [file], rules } } }

      it('drops file bytes when the submission is delivered, and keeps them until then', async () => {
        const { id } = await outbox.enqueue(make({ payload: withFile }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, ...at(1) })
        expect(c?.payload).toEqual(withFile)
        expect(await outbox.complete(id, c!.leaseToken, { leadId: 5, ...at(2) })).toBe(true)
        const rec = await outbox.get(id)
        const { content: _content, ...named } = file
        expect(rec?.payload).toEqual({ ...withFile, extras: { files: { ...withFile.extras.files, items: [named] } } })
        expect(rec).toMatchObject({ status: 'delivered', leadId: 5 })
      })

      it('purges delivered, dead and held submissions older than their instants, never pending or leased ones', async () => {
        const ids = await enqueueMany(4, at(0))
        const held = (await outbox.enqueue(make({ hold: true, ...at(0) }))).id
        const claimed = await outbox.claim({ limit: 3, leaseMs: LEASE, ...at(1) })
        const byId = new Map(claimed.map(c => [c.id, c]))
        const [delivered, dead, leased] = claimed.map(c => c.id)
        await outbox.complete(delivered!, byId.get(delivered!)!.leaseToken, { leadId: 1, ...at(2) })
        await outbox.deadLetter(dead!, byId.get(dead!)!.leaseToken, { code: 'X', message: 'x' }, at(2))
        const pending = ids.find(id => !byId.has(id))!
        // Nothing is old enough yet.
        expect(await outbox.purge({ deliveredBefore: wall ? 0 : T0, deadBefore: wall ? 0 : T0, heldBefore: wall ? 0 : T0, limit: 100 }))
          .toEqual({ delivered: 0, dead: 0, held: 0 })
        if (wall) await sleep(20)
        const past = wall ? Date.now() + 1 : T0 + 1000
        expect(await outbox.purge({ deliveredBefore: past, deadBefore: past, heldBefore: past, limit: 100 }))
          .toEqual({ delivered: 1, dead: 1, held: 1 })
        for (const gone of [delivered, dead, held]) expect(await outbox.get(gone!)).toBeUndefined()
        expect((await outbox.get(pending))?.status).toBe('pending')
        expect((await outbox.get(leased!))?.status).toBe('leased')
        expect(await outbox.stats(at(3).now)).toMatchObject({ pending: 1, leased: 1, delivered: 0, dead: 0, held: 0 })
      })

      it('purges at most `limit` of each kind per call', async () => {
        await Promise.all(Array.from({ length: 5 }, (_, i) => outbox.enqueue(make({ hold: true, ...at(i) }))))
        if (wall) await sleep(20)
        const past = wall ? Date.now() + 1 : T0 + 1000
        expect((await outbox.purge({ deliveredBefore: past, deadBefore: past, heldBefore: past, limit: 2 })).held).toBe(2)
        expect((await outbox.stats(at(10).now)).held).toBe(3)
      })

      it('reports how much room it takes', async () => {
        await enqueueMany(10)
        const usage = await outbox.usage()
        expect(usage.bytes).toBeGreaterThan(0)
        expect(usage.dir === null || typeof usage.dir === 'string').toBe(true)
      })
    })

    describe('stats', () => {
      it('counts by status and portal, with what is due and the oldest undelivered', async () => {
        // Wall clock: a1's lease must outlast the first count, then run out before the second.
        const aLease = wall ? WALL_SHORT_LEASE : 1000
        expect(await outbox.stats(at(0).now)).toEqual({
          pending: 0, leased: 0, delivered: 0, dead: 0, held: 0, newestHeldAt: null, due: 0, oldestPendingAt: null, byPortal: {}
        })
        const { id: oldest } = await outbox.enqueue(make({ portalId: 'a', ...at(0) }))
        await outbox.enqueue(make({ portalId: 'a', ...at(1) }))
        await outbox.enqueue(make({ portalId: 'b', ...at(2) }))
        await outbox.enqueue(make({ portalId: 'b', ...at(3) }))
        const [a1] = await outbox.claim({ limit: 1, leaseMs: aLease, portalId: 'a', ...at(10) })
        const [b1, b2] = await outbox.claim({ limit: 2, leaseMs: wall ? LEASE : 1000, portalId: 'b', ...at(10) })
        await outbox.complete(b1!.id, b1!.leaseToken, { leadId: 1 })
        await outbox.deadLetter(b2!.id, b2!.leaseToken, { code: 'X', message: 'x' })
        expect(a1).toBeDefined()

        const stats = await outbox.stats(at(10).now)
        expect(stats).toEqual({
          pending: 1, leased: 1, delivered: 1, dead: 1, held: 0, newestHeldAt: null, due: 1, oldestPendingAt: instant(0),
          byPortal: { a: { pending: 1, leased: 1, dead: 0 }, b: { pending: 0, leased: 0, dead: 1 } }
        })
        expect(stats.oldestPendingAt).toBe((await outbox.get(oldest))?.createdAt)
        if (wall) {
          // A lease that ran out is due: counted once the store has noticed, within a bounded wait.
          await waitFor(async () => (await outbox.stats()).due === 2, { ...WALL_WAIT, what: 'the expired lease to count as due' })
        } else {
          expect((await outbox.stats(T0 + 1010)).due).toBe(2)
        }
      })
    })
  })
}
