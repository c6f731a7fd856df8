/**
 * The behaviour every Outbox adapter must show; each adapter's test file runs it against its own
 * store. One contract, one mode: the suite hands every store the clock it runs on (the adapter's
 * `clock` option) and lets time pass through it. A manual clock (SQLite, the default) moves at once
 * when told, so nothing sleeps; the wall clock (BullMQ, whose locks, delays and dedupe TTLs run on
 * Redis's real time) waits for real, so every duration is short enough to wait for, every wait for
 * the store to notice is bounded, and instants are checked against the window the call ran in
 * (a single instant on a manual clock).
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

/** The time the store runs on, as the suite drives it. */
export interface TestClock {
  /** The store's `clock` option. */
  now: () => number
  /** Lets `ms` pass: a manual clock moves at once, the wall clock waits. */
  pass: (ms: number) => Promise<void>
  /**
   * How close before an instant a call can be trusted to run before it: 1 ms when the test moves
   * the clock; the wall clock cannot promise any (timers, Redis round trips), so it does not wait.
   */
  marginMs: number
}

const T0 = 1_700_000_000_000

/** Starts at a fixed instant and moves only when told. */
export function manualClock (start = T0): TestClock {
  let t = start
  return { now: () => t, pass: async ms => { t += ms }, marginMs: 1 }
}

export function wallClock (): TestClock {
  return { now: Date.now, pass: async ms => { await sleep(ms) }, marginMs: Number.POSITIVE_INFINITY }
}

/** A lease that need not run out during the test. */
const LEASE = 30_000
// Durations short enough to wait for on the wall clock, long enough that no step outruns them on a busy machine.
/** A lease that must run out during the test. */
const SHORT_LEASE = 1500
/** How far ahead a retry is scheduled. */
const RETRY_IN = 1500
/** A dedupe window. */
const WINDOW = 2000
/** Every wait for the store to notice that time has passed is bounded. */
const WAIT = { timeoutMs: 15_000, intervalMs: 50 }

export interface ContractCapabilities {
  /** False for stores that cannot be reopened (SQLite ':memory:'): the reopen test is not defined. */
  canReopen?: boolean
  /** The clock the store runs on, made for each test (default: a manual clock). */
  clock?: () => TestClock
}

/** When a call ran, by the store's clock: the instants it recorded must fall inside it. */
interface Window { from: number, to: number }

const sub = (over: Partial<NewSubmission> = {}): NewSubmission => ({
  formId: 'contact',
  portalId: 'main',
  payload: { TITLE: 'Site form', NAME: 'Ann', PHONE: [{ VALUE: '+15550100', VALUE_TYPE: 'WORK' }] },
  meta: { ip: '203.0.113.9', fields: { name: 'Ann' } },
  ...over
})

export function describeOutboxContract (
  name: string, factory: (clock: () => number) => Promise<OutboxHarness>, capabilities: ContractCapabilities = {}
): void {
  // A store that cannot be reopened does not define the reopen test at all (no skipped tests).
  const itReopen = capabilities.canReopen === false ? (() => {}) as unknown as typeof it : it
  const makeClock = capabilities.clock ?? manualClock
  describe(`Outbox contract: ${name}`, () => {
    let h: OutboxHarness
    let outbox: Outbox
    let clock: TestClock
    /** The clock's reading when the test began. */
    let start: number
    beforeEach(async () => {
      clock = makeClock()
      h = await factory(() => clock.now())
      outbox = h.outbox
      start = clock.now()
    })
    afterEach(async () => { await h.cleanup() })

    const timed = async <T>(fn: () => Promise<T>): Promise<{ value: T } & Window> => {
      const from = clock.now()
      const value = await fn()
      return { value, from, to: clock.now() }
    }
    const inWindow = (value: number | null | undefined, w: Window): void => {
      expect(value).toBeGreaterThanOrEqual(w.from)
      expect(value).toBeLessThanOrEqual(w.to)
    }
    /** Lets time pass until `instant` (never back). */
    const until = async (instant: number): Promise<void> => {
      const wait = instant - clock.now()
      if (wait > 0) await clock.pass(wait)
    }
    /** Until `offset` ms after the test began. */
    const to = async (offset: number): Promise<void> => { await until(start + offset) }
    /** As close before `instant` as the clock can be trusted to stay before it. */
    const justBefore = async (instant: number): Promise<void> => { await until(instant - clock.marginMs) }
    /** A claim once `instant` has come: the store may take a while to notice (BullMQ's stalled check), so it is polled, bounded. */
    const claimWhenDue = async (instant: number, leaseMs: number): Promise<ClaimedSubmission | undefined> => {
      await until(instant)
      return await waitFor(async () => (await outbox.claim({ limit: 1, leaseMs }))[0], { ...WAIT, what: 'a claim once the time has come' })
    }
    const enqueueMany = async (n: number, over: Partial<NewSubmission> = {}): Promise<string[]> =>
      (await Promise.all(Array.from({ length: n }, () => outbox.enqueue(sub(over))))).map(r => r.id)

    describe('enqueue and get', () => {
      it('stores a pending submission and returns it by id', async () => {
        const t = await timed(() => outbox.enqueue(sub({ dedupeKey: 'k1' })))
        const { id, duplicate } = t.value
        expect(duplicate).toBe(false)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({
          id,
          formId: 'contact',
          portalId: 'main',
          status: 'pending',
          attempts: 0,
          outcomeUnknown: false,
          payload: sub().payload,
          meta: sub().meta,
          dedupeKey: 'k1',
          createdAt: expect.any(Number),
          nextAttemptAt: expect.any(Number),
          leaseUntil: null,
          leadId: null,
          lastError: null,
          deliveredAt: null,
          history: []
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
        const [good, bad] = await Promise.allSettled([outbox.enqueue(sub()), outbox.enqueue(sub({ payload: circular }))])
        expect(good.status).toBe('fulfilled')
        expect(bad.status === 'rejected' && bad.reason).toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
      })
    })

    describe('durability', () => {
      itReopen('keeps submissions and their state across close and reopen', async () => {
        if (h.open === undefined) throw new Error('this harness declares it can reopen but has no open()')
        const { id: kept } = await outbox.enqueue(sub())
        await to(1)
        const { id: done } = await outbox.enqueue(sub())
        await to(10)
        const [a, b] = await outbox.claim({ limit: 2, leaseMs: LEASE })
        expect(a?.id).toBe(kept)
        await outbox.release(kept, a!.leaseToken)
        await to(20)
        const t = await timed(() => outbox.complete(done, b!.leaseToken, { leadId: 42 }))
        await outbox.close()

        const reopened = await h.open()
        expect(await reopened.get(kept)).toMatchObject({ status: 'pending', attempts: 0, payload: sub().payload })
        const rec = await reopened.get(done)
        expect(rec).toMatchObject({ status: 'delivered', leadId: 42, deliveredAt: expect.any(Number) })
        inWindow(rec?.deliveredAt, t)
      })

      it('is closed after close(): calls reject with RELAY_ERR_STORE_CLOSED, close() again is a no-op', async () => {
        await outbox.close()
        await outbox.close()
        await expect(outbox.enqueue(sub())).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_CLOSED' })
        await expect(outbox.claim({ limit: 1, leaseMs: LEASE })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_CLOSED' })
      })
    })

    describe('claim', () => {
      it('leases the oldest due submissions first, up to the limit', async () => {
        // The store stamps createdAt from its clock, which only moves forward: creation order is call order.
        const { id: first } = await outbox.enqueue(sub())
        await clock.pass(1)
        const { id: second } = await outbox.enqueue(sub())
        await clock.pass(1)
        const { id: third } = await outbox.enqueue(sub())
        await to(10)
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE })).map(c => c.id)).toEqual([first, second])
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE })).map(c => c.id)).toEqual([third])
        expect(await outbox.claim({ limit: 2, leaseMs: LEASE })).toEqual([])
      })

      it('hands out the payload, a lease token and the attempt count', async () => {
        const enqueued = await timed(() => outbox.enqueue(sub()))
        const { id } = enqueued.value
        await to(5)
        const claimed = await timed(() => outbox.claim({ limit: 5, leaseMs: LEASE }))
        const [c] = claimed.value
        expect(c).toMatchObject({
          id,
          formId: 'contact',
          portalId: 'main',
          payload: sub().payload,
          attempts: 1,
          createdAt: expect.any(Number),
          leaseUntil: expect.any(Number),
          outcomeUnknown: false
        })
        inWindow(c?.createdAt, enqueued)
        inWindow(c!.leaseUntil - LEASE, claimed)
        expect(typeof c?.leaseToken).toBe('string')
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({
          status: 'leased',
          attempts: 1,
          leaseUntil: c?.leaseUntil,
          history: [{ attempt: 1, startedAt: expect.any(Number), endedAt: null, outcome: 'in_flight', error: null }]
        })
        expect(rec?.history[0]?.startedAt).toBe(c!.leaseUntil - LEASE)
      })

      it('filters by portal', async () => {
        const [a1, a2] = await enqueueMany(2, { portalId: 'a' })
        await enqueueMany(3, { portalId: 'b' })
        const claimed = await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'a' })
        expect(claimed.map(c => c.id).sort()).toEqual([a1, a2].sort())
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'c' })).toEqual([])
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE })).toHaveLength(3)
      })

      it('never hands one submission to two concurrent claimers', async () => {
        const ids = await enqueueMany(60)
        const handles = h.open === undefined ? [outbox] : [outbox, await h.open()]
        await to(1)
        const batches = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          handles[i % handles.length]!.claim({ limit: 7, leaseMs: LEASE })))
        const claimed = batches.flat().map(c => c.id)
        expect(claimed).toHaveLength(60)
        expect(new Set(claimed)).toEqual(new Set(ids))
      })

      it('gives an expired lease to the next claimer with outcomeUnknown and the attempt carried', async () => {
        const lease = SHORT_LEASE
        const { id } = await outbox.enqueue(sub())
        const claimed = await timed(() => outbox.claim({ limit: 1, leaseMs: lease }))
        const [first] = claimed.value
        await justBefore(claimed.from + lease)
        expect(await outbox.claim({ limit: 1, leaseMs: lease })).toEqual([])
        // The next owner keeps a long lease, so no later step can outrun it.
        const second = await claimWhenDue(claimed.to + lease, LEASE)
        // Never before the first lease could have run out.
        expect(clock.now()).toBeGreaterThanOrEqual(claimed.from + lease)
        expect(second).toMatchObject({ id, attempts: 2, outcomeUnknown: true })
        expect(second?.leaseToken).not.toBe(first?.leaseToken)

        await clock.pass(1)
        expect(await outbox.complete(id, first!.leaseToken, { leadId: 1 })).toBe(false)
        await clock.pass(1)
        expect(await outbox.complete(id, second!.leaseToken, { leadId: 2 })).toBe(true)
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
        const lease = SHORT_LEASE
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: lease })
        await to(5)
        const t = await timed(() => outbox.complete(id, c!.leaseToken, { leadId: 7 }))
        expect(t.value).toBe(true)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({ status: 'delivered', leadId: 7, deliveredAt: expect.any(Number), leaseUntil: null })
        inWindow(rec?.deliveredAt, t)
        // Long after its lease would have run out.
        await clock.pass(lease * 2)
        expect(await outbox.claim({ limit: 1, leaseMs: lease })).toEqual([])
      })

      it('answers false to a stale or wrong lease token and changes nothing', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        const err = { code: 'X', message: 'x' }
        const at = clock.now()
        expect(await outbox.complete(id, 'not-the-token', { leadId: 1 })).toBe(false)
        expect(await outbox.retryLater(id, 'not-the-token', { at, error: err, outcomeUnknown: false })).toBe(false)
        expect(await outbox.deadLetter(id, 'not-the-token', err)).toBe(false)
        expect(await outbox.release(id, 'not-the-token')).toBe(false)
        expect(await outbox.complete('no-such-id', c!.leaseToken, { leadId: 1 })).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'leased', attempts: 1 })

        expect(await outbox.complete(id, c!.leaseToken, { leadId: 1 })).toBe(true)
        expect(await outbox.complete(id, c!.leaseToken, { leadId: 2 })).toBe(false)
        expect(await outbox.retryLater(id, c!.leaseToken, { at, error: err, outcomeUnknown: false })).toBe(false)
        expect(await outbox.deadLetter(id, c!.leaseToken, err)).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'delivered', leadId: 1 })
      })

      it('retryLater keeps it out of claims until `at`, with the error recorded', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        const error = { code: 'QUERY_LIMIT_EXCEEDED', message: 'Too many requests' }
        await to(1)
        const retryAt = clock.now() + RETRY_IN
        const t = await timed(() => outbox.retryLater(id, c!.leaseToken, { at: retryAt, error, outcomeUnknown: false }))
        expect(t.value).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: retryAt, lastError: error })
        await justBefore(retryAt)
        expect(await outbox.claim({ limit: 1, leaseMs: LEASE })).toEqual([])
        const again = await claimWhenDue(retryAt, LEASE)
        expect(clock.now()).toBeGreaterThanOrEqual(retryAt)
        expect(again).toMatchObject({ id, attempts: 2, outcomeUnknown: false })
        const history = (await outbox.get(id))?.history
        expect(history).toMatchObject([
          { attempt: 1, outcome: 'retry', endedAt: expect.any(Number), error },
          { attempt: 2, outcome: 'in_flight' }
        ])
        inWindow(history?.[0]?.endedAt, t)
      })

      it('outcomeUnknown reported to retryLater sticks through later clean failures', async () => {
        const { id } = await outbox.enqueue(sub())
        const error = { code: 'RELAY_ERR_TIMEOUT', message: 'no answer' }
        // Due at once.
        let [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        await outbox.retryLater(id, c!.leaseToken, { at: clock.now(), error, outcomeUnknown: true })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        expect(c?.outcomeUnknown).toBe(true)
        await outbox.retryLater(id, c!.leaseToken, { at: clock.now(), error, outcomeUnknown: false })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        expect(c).toMatchObject({ attempts: 3, outcomeUnknown: true })
      })

      it('release gives it back, due at once, without counting the attempt', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        await to(1)
        expect(await outbox.release(id, c!.leaseToken)).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null })
        await to(2)
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        expect(again).toMatchObject({ id, attempts: 1, outcomeUnknown: false })
        expect((await outbox.get(id))?.history.map(a => a.outcome)).toEqual(['released', 'in_flight'])
      })

      it('deadLetter keeps it with its error, unclaimable, until requeueDead', async () => {
        const lease = SHORT_LEASE
        const { id } = await outbox.enqueue(sub({ portalId: 'p' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: lease })
        const error = { code: 'RELAY_ERR_BITRIX_REJECTED', message: 'bad field' }
        await to(1)
        expect(await outbox.deadLetter(id, c!.leaseToken, error)).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'dead', lastError: error, attempts: 1 })
        // Long after its lease would have run out.
        await clock.pass(lease * 2)
        expect(await outbox.claim({ limit: 1, leaseMs: lease })).toEqual([])
        expect((await outbox.listDead({ limit: 10 })).map(d => d.id)).toEqual([id])
        expect(await outbox.listDead({ limit: 10, portalId: 'other' })).toEqual([])

        expect(await outbox.requeueDead(id)).toBe(true)
        expect(await outbox.requeueDead(id)).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, lastError: error })
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        expect(again).toMatchObject({ id, attempts: 1 })
        expect(await outbox.listDead({ limit: 10 })).toEqual([])
        expect(await outbox.stats()).toMatchObject({ pending: 0, leased: 1, dead: 0, byPortal: { p: { leased: 1 } } })
      })
    })

    describe('dedupe', () => {
      it('returns the first id for the same key inside the window', async () => {
        const win = WINDOW
        const t = await timed(() => outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win })))
        const first = t.value
        await justBefore(t.from + win)
        const again = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win }))
        expect(again).toEqual({ id: first.id, duplicate: true })
        const other = await outbox.enqueue(sub({ dedupeKey: 'other', dedupeWindowMs: win }))
        expect(other.duplicate).toBe(false)
        expect((await outbox.stats()).pending).toBe(2)
      })

      it('stores a new submission once the window has passed, and the key moves to it', async () => {
        const win = WINDOW
        const enqueued = await timed(() => outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win })))
        const first = enqueued.value
        await until(enqueued.to + win)
        // Retried until the store has let the window pass (at once on a manual clock); every retry
        // inside it stores nothing and must not extend the window, or this would never end.
        const after = await waitFor(async () => {
          const r = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win }))
          return r.duplicate ? undefined : r
        }, { ...WAIT, intervalMs: 100, what: 'the dedupe window to pass' })
        expect(clock.now()).toBeGreaterThanOrEqual(enqueued.from + win)
        expect(after.duplicate).toBe(false)
        expect(after.id).not.toBe(first.id)
        await clock.pass(win / 4)
        const third = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: win }))
        expect(third).toEqual({ id: after.id, duplicate: true })
      })

      it('dedupes identical submissions enqueued together', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(sub({ dedupeKey: 'burst' }))))
        expect(results.filter(r => !r.duplicate)).toHaveLength(1)
        expect(new Set(results.map(r => r.id)).size).toBe(1)
      })

      it('answers with the first id whatever became of it, and never dedupes without a key', async () => {
        const { id } = await outbox.enqueue(sub({ dedupeKey: 'k' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        await to(1)
        await outbox.complete(id, c!.leaseToken, { leadId: 3 })
        await to(2)
        expect(await outbox.enqueue(sub({ dedupeKey: 'k' }))).toEqual({ id, duplicate: true })
        const [x, y] = await Promise.all([outbox.enqueue(sub()), outbox.enqueue(sub())])
        expect(x?.id).not.toBe(y?.id)
      })
    })

    describe('held submissions (floods)', () => {
      it('stores a held submission durably, never claims it, and counts it apart', async () => {
        const { id: pending } = await outbox.enqueue(sub())
        await to(5)
        const t = await timed(() => outbox.enqueue(sub({ hold: true })))
        const held = t.value.id
        expect(t.value.duplicate).toBe(false)
        const rec = await outbox.get(held)
        expect(rec).toMatchObject({ status: 'held', attempts: 0, payload: sub().payload, history: [] })
        await to(10)
        expect((await outbox.claim({ limit: 10, leaseMs: LEASE })).map(c => c.id)).toEqual([pending])
        await clock.pass(300)
        expect((await outbox.claim({ limit: 10, leaseMs: LEASE })).map(c => c.id)).not.toContain(held)
        const stats = await outbox.stats()
        expect(stats).toMatchObject({ pending: 0, leased: 1, held: 1, due: 0, newestHeldAt: rec?.createdAt })
        inWindow(stats.newestHeldAt, t)
        expect(stats.byPortal).toEqual({ main: { pending: 0, leased: 1, dead: 0 } })
        expect(stats.oldestPendingAt).toBe((await outbox.get(pending))?.createdAt)
        expect(await outbox.heldSummary()).toEqual({ held: 1, newestHeldAt: rec?.createdAt })
      })

      it('heldSummary says what stats says of held ones, across forms and portals, and nothing when none is held', async () => {
        expect(await outbox.heldSummary()).toEqual({ held: 0, newestHeldAt: null })
        await outbox.enqueue(sub())
        await to(1)
        await outbox.enqueue(sub({ hold: true }))
        await to(2)
        await outbox.enqueue(sub({ hold: true, formId: 'other', portalId: 'second' }))
        await to(3)
        const stats = await outbox.stats()
        expect(stats.held).toBe(2)
        expect(await outbox.heldSummary()).toEqual({ held: stats.held, newestHeldAt: stats.newestHeldAt })
        expect(await outbox.discardHeld({ limit: 10 })).toBe(2)
        expect(await outbox.heldSummary()).toEqual({ held: 0, newestHeldAt: null })
      })

      it('releases held ones oldest first, up to the limit and per form, as pending and due at once', async () => {
        const first = (await outbox.enqueue(sub({ hold: true }))).id
        await to(1)
        const second = (await outbox.enqueue(sub({ hold: true }))).id
        await to(2)
        const other = (await outbox.enqueue(sub({ hold: true, formId: 'other' }))).id
        await to(10)
        expect(await outbox.releaseHeld({ limit: 1 })).toBe(1)
        expect((await outbox.get(first))?.status).toBe('pending')
        expect((await outbox.get(second))?.status).toBe('held')
        await to(11)
        expect(await outbox.releaseHeld({ limit: 10, formId: 'other' })).toBe(1)
        expect((await outbox.get(other))?.status).toBe('pending')
        expect((await outbox.get(second))?.status).toBe('held')
        await to(12)
        const claimed = await outbox.claim({ limit: 10, leaseMs: LEASE })
        expect(claimed.map(c => c.id).sort()).toEqual([first, other].sort())
        expect(claimed[0]).toMatchObject({ attempts: 1, outcomeUnknown: false })
        await to(13)
        expect(await outbox.releaseHeld({ limit: 10, formId: 'nobody' })).toBe(0)
        expect((await outbox.stats()).held).toBe(1)
      })

      it('discards held ones in bulk and never touches the others', async () => {
        const kept = (await outbox.enqueue(sub())).id
        await to(1)
        await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(sub({ hold: true }))))
        await to(9)
        const otherForm = (await outbox.enqueue(sub({ hold: true, formId: 'other' }))).id
        expect(await outbox.discardHeld({ limit: 3, formId: 'contact' })).toBe(3)
        expect(await outbox.discardHeld({ limit: 100, formId: 'contact' })).toBe(2)
        await to(10)
        expect((await outbox.stats()).held).toBe(1)
        expect((await outbox.get(otherForm))?.status).toBe('held')
        expect((await outbox.get(kept))?.status).toBe('pending')
        expect(await outbox.discardHeld({ limit: 100 })).toBe(1)
        expect(await outbox.stats()).toMatchObject({ held: 0, newestHeldAt: null, pending: 1 })
      })

      it('dedupes against a held submission like any other', async () => {
        const first = await outbox.enqueue(sub({ hold: true, dedupeKey: 'flood-k' }))
        await to(1)
        expect(await outbox.enqueue(sub({ dedupeKey: 'flood-k' }))).toEqual({ id: first.id, duplicate: true })
      })
    })

    describe('idempotency fingerprints', () => {
      it('answers a mismatch when the key comes back with another fingerprint, a duplicate with the same one', async () => {
        const first = await outbox.enqueue(sub({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-a' }))
        await to(1)
        expect(await outbox.enqueue(sub({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-a' })))
          .toEqual({ id: first.id, duplicate: true })
        await to(2)
        expect(await outbox.enqueue(sub({ dedupeKey: 'order-1234', dedupeFingerprint: 'values-b' })))
          .toEqual({ id: first.id, duplicate: true, mismatch: true })
        expect((await outbox.stats()).pending).toBe(1)
      })
    })

    describe('retention', () => {
      const file = { field: 'cv', name: 'cv.pdf', type: 'application/pdf', size: 4, content: 'JVBERg==' }
      const rules = { maxBytes: 10, types: [], download: false, downloadTimeoutMs: 1 }
      const withFile = { fields: { TITLE: 'x' }, extras: { files: { items: [file], rules } } }

      it('drops file bytes when the submission is delivered, and keeps them until then', async () => {
        const { id } = await outbox.enqueue(sub({ payload: withFile }))
        await to(1)
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE })
        expect(c?.payload).toEqual(withFile)
        await to(2)
        expect(await outbox.complete(id, c!.leaseToken, { leadId: 5 })).toBe(true)
        const rec = await outbox.get(id)
        const { content: _content, ...named } = file
        expect(rec?.payload).toEqual({ ...withFile, extras: { files: { ...withFile.extras.files, items: [named] } } })
        expect(rec).toMatchObject({ status: 'delivered', leadId: 5 })
      })

      it('purges delivered, dead and held submissions older than their instants, never pending or leased ones', async () => {
        const ids = await enqueueMany(4)
        const held = (await outbox.enqueue(sub({ hold: true }))).id
        await to(1)
        const claimed = await outbox.claim({ limit: 3, leaseMs: LEASE })
        const byId = new Map(claimed.map(c => [c.id, c]))
        const [delivered, dead, leased] = claimed.map(c => c.id)
        await to(2)
        await outbox.complete(delivered!, byId.get(delivered!)!.leaseToken, { leadId: 1 })
        await outbox.deadLetter(dead!, byId.get(dead!)!.leaseToken, { code: 'X', message: 'x' })
        const pending = ids.find(id => !byId.has(id))!
        // Nothing is old enough yet.
        expect(await outbox.purge({ deliveredBefore: start, deadBefore: start, heldBefore: start, limit: 100 }))
          .toEqual({ delivered: 0, dead: 0, held: 0 })
        await clock.pass(20)
        const past = clock.now() + 1
        expect(await outbox.purge({ deliveredBefore: past, deadBefore: past, heldBefore: past, limit: 100 }))
          .toEqual({ delivered: 1, dead: 1, held: 1 })
        for (const gone of [delivered, dead, held]) expect(await outbox.get(gone!)).toBeUndefined()
        expect((await outbox.get(pending))?.status).toBe('pending')
        expect((await outbox.get(leased!))?.status).toBe('leased')
        expect(await outbox.stats()).toMatchObject({ pending: 1, leased: 1, delivered: 0, dead: 0, held: 0 })
      })

      it('purges at most `limit` of each kind per call', async () => {
        await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(sub({ hold: true }))))
        await clock.pass(20)
        const past = clock.now() + 1
        expect((await outbox.purge({ deliveredBefore: past, deadBefore: past, heldBefore: past, limit: 2 })).held).toBe(2)
        expect((await outbox.stats()).held).toBe(3)
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
        // a1's lease must outlast the first count, then run out before the second.
        const aLease = SHORT_LEASE
        expect(await outbox.stats()).toEqual({
          pending: 0, leased: 0, delivered: 0, dead: 0, held: 0, newestHeldAt: null, due: 0, oldestPendingAt: null, byPortal: {}
        })
        const enqueued = await timed(() => outbox.enqueue(sub({ portalId: 'a' })))
        const oldest = enqueued.value.id
        await to(1)
        await outbox.enqueue(sub({ portalId: 'a' }))
        await to(2)
        await outbox.enqueue(sub({ portalId: 'b' }))
        await to(3)
        await outbox.enqueue(sub({ portalId: 'b' }))
        await to(10)
        const claimedA = await timed(() => outbox.claim({ limit: 1, leaseMs: aLease, portalId: 'a' }))
        const [a1] = claimedA.value
        const [b1, b2] = await outbox.claim({ limit: 2, leaseMs: LEASE, portalId: 'b' })
        await outbox.complete(b1!.id, b1!.leaseToken, { leadId: 1 })
        await outbox.deadLetter(b2!.id, b2!.leaseToken, { code: 'X', message: 'x' })
        expect(a1).toBeDefined()

        const stats = await outbox.stats()
        expect(stats).toEqual({
          pending: 1,
          leased: 1,
          delivered: 1,
          dead: 1,
          held: 0,
          newestHeldAt: null,
          due: 1,
          oldestPendingAt: expect.any(Number),
          byPortal: { a: { pending: 1, leased: 1, dead: 0 }, b: { pending: 0, leased: 0, dead: 1 } }
        })
        inWindow(stats.oldestPendingAt, enqueued)
        expect(stats.oldestPendingAt).toBe((await outbox.get(oldest))?.createdAt)
        // A lease that ran out is due: counted once the store has noticed, within a bounded wait.
        await until(claimedA.to + aLease)
        await waitFor(async () => (await outbox.stats()).due === 2, { ...WAIT, what: 'the expired lease to count as due' })
      })
    })
  })
}
