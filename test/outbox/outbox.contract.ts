/** The behaviour every Outbox adapter must show; each adapter's test file runs it against its own store. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { NewSubmission, Outbox } from '../../src/outbox/types.ts'

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

const sub = (over: Partial<NewSubmission> = {}): NewSubmission => ({
  formId: 'contact',
  portalId: 'main',
  payload: { TITLE: 'Site form', NAME: 'Ann', PHONE: [{ VALUE: '+15550100', VALUE_TYPE: 'WORK' }] },
  meta: { ip: '203.0.113.9', fields: { name: 'Ann' } },
  now: T0,
  ...over
})

export function describeOutboxContract (name: string, factory: () => Promise<OutboxHarness>, capabilities: { canReopen?: boolean } = {}): void {
  // A store that cannot be reopened does not define the reopen test at all (no skipped tests).
  const itReopen = capabilities.canReopen === false ? (() => {}) as unknown as typeof it : it
  describe(`Outbox contract: ${name}`, () => {
    let h: OutboxHarness
    let outbox: Outbox
    beforeEach(async () => {
      h = await factory()
      outbox = h.outbox
    })
    afterEach(async () => { await h.cleanup() })

    const enqueueMany = async (n: number, over: Partial<NewSubmission> = {}): Promise<string[]> =>
      (await Promise.all(Array.from({ length: n }, () => outbox.enqueue(sub(over))))).map(r => r.id)

    describe('enqueue and get', () => {
      it('stores a pending submission and returns it by id', async () => {
        const { id, duplicate } = await outbox.enqueue(sub({ dedupeKey: 'k1' }))
        expect(duplicate).toBe(false)
        const rec = await outbox.get(id)
        expect(rec).toMatchObject({
          id, formId: 'contact', portalId: 'main', status: 'pending', attempts: 0, outcomeUnknown: false,
          payload: sub().payload, meta: sub().meta, dedupeKey: 'k1', createdAt: T0, nextAttemptAt: T0,
          leaseUntil: null, leadId: null, lastError: null, deliveredAt: null, history: []
        })
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
        const { id: done } = await outbox.enqueue(sub({ now: T0 + 1 }))
        const [a, b] = await outbox.claim({ limit: 2, leaseMs: LEASE, now: T0 + 10 })
        expect(a?.id).toBe(kept)
        await outbox.release(kept, a!.leaseToken)
        await outbox.complete(done, b!.leaseToken, { leadId: 42, now: T0 + 20 })
        await outbox.close()

        const reopened = await h.open()
        expect(await reopened.get(kept)).toMatchObject({ status: 'pending', attempts: 0, payload: sub().payload })
        expect(await reopened.get(done)).toMatchObject({ status: 'delivered', leadId: 42, deliveredAt: T0 + 20 })
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
        const { id: third } = await outbox.enqueue(sub({ now: T0 + 2 }))
        const { id: first } = await outbox.enqueue(sub({ now: T0 }))
        const { id: second } = await outbox.enqueue(sub({ now: T0 + 1 }))
        const now = T0 + 10
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE, now })).map(c => c.id)).toEqual([first, second])
        expect((await outbox.claim({ limit: 2, leaseMs: LEASE, now })).map(c => c.id)).toEqual([third])
        expect(await outbox.claim({ limit: 2, leaseMs: LEASE, now })).toEqual([])
      })

      it('hands out the payload, a lease token and the attempt count', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 5, leaseMs: LEASE, now: T0 + 5 })
        expect(c).toMatchObject({
          id, formId: 'contact', portalId: 'main', payload: sub().payload, attempts: 1, createdAt: T0,
          leaseUntil: T0 + 5 + LEASE, outcomeUnknown: false
        })
        expect(typeof c?.leaseToken).toBe('string')
        expect(await outbox.get(id)).toMatchObject({
          status: 'leased', attempts: 1, leaseUntil: T0 + 5 + LEASE,
          history: [{ attempt: 1, startedAt: T0 + 5, endedAt: null, outcome: 'in_flight', error: null }]
        })
      })

      it('filters by portal', async () => {
        const [a1, a2] = await enqueueMany(2, { portalId: 'a' })
        await enqueueMany(3, { portalId: 'b' })
        const claimed = await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'a', now: T0 })
        expect(claimed.map(c => c.id).sort()).toEqual([a1, a2].sort())
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE, portalId: 'c', now: T0 })).toEqual([])
        expect(await outbox.claim({ limit: 10, leaseMs: LEASE, now: T0 })).toHaveLength(3)
      })

      it('never hands one submission to two concurrent claimers', async () => {
        const ids = await enqueueMany(60)
        const handles = h.open === undefined ? [outbox] : [outbox, await h.open()]
        const batches = await Promise.all(Array.from({ length: 12 }, (_, i) =>
          handles[i % handles.length]!.claim({ limit: 7, leaseMs: LEASE, now: T0 + 1 })))
        const claimed = batches.flat().map(c => c.id)
        expect(claimed).toHaveLength(60)
        expect(new Set(claimed)).toEqual(new Set(ids))
      })

      it('gives an expired lease to the next claimer with outcomeUnknown and the attempt carried', async () => {
        const { id } = await outbox.enqueue(sub())
        const [first] = await outbox.claim({ limit: 1, leaseMs: 1000, now: T0 })
        expect(await outbox.claim({ limit: 1, leaseMs: 1000, now: T0 + 999 })).toEqual([])
        const [second] = await outbox.claim({ limit: 1, leaseMs: 1000, now: T0 + 1000 })
        expect(second).toMatchObject({ id, attempts: 2, outcomeUnknown: true })
        expect(second?.leaseToken).not.toBe(first?.leaseToken)

        expect(await outbox.complete(id, first!.leaseToken, { leadId: 1, now: T0 + 1001 })).toBe(false)
        expect(await outbox.complete(id, second!.leaseToken, { leadId: 2, now: T0 + 1002 })).toBe(true)
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
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        expect(await outbox.complete(id, c!.leaseToken, { leadId: 7, now: T0 + 5 })).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'delivered', leadId: 7, deliveredAt: T0 + 5, leaseUntil: null })
        expect(await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + LEASE * 10 })).toEqual([])
      })

      it('answers false to a stale or wrong lease token and changes nothing', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
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
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        const error = { code: 'QUERY_LIMIT_EXCEEDED', message: 'Too many requests' }
        expect(await outbox.retryLater(id, c!.leaseToken, { at: T0 + 5000, error, outcomeUnknown: false, now: T0 + 1 })).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 1, nextAttemptAt: T0 + 5000, lastError: error })
        expect(await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + 4999 })).toEqual([])
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + 5000 })
        expect(again).toMatchObject({ id, attempts: 2, outcomeUnknown: false })
        expect((await outbox.get(id))?.history).toMatchObject([
          { attempt: 1, outcome: 'retry', endedAt: T0 + 1, error },
          { attempt: 2, outcome: 'in_flight' }
        ])
      })

      it('outcomeUnknown reported to retryLater sticks through later clean failures', async () => {
        const { id } = await outbox.enqueue(sub())
        const error = { code: 'RELAY_ERR_TIMEOUT', message: 'no answer' }
        let [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        await outbox.retryLater(id, c!.leaseToken, { at: T0, error, outcomeUnknown: true })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        expect(c?.outcomeUnknown).toBe(true)
        await outbox.retryLater(id, c!.leaseToken, { at: T0, error, outcomeUnknown: false })
        ;[c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        expect(c).toMatchObject({ attempts: 3, outcomeUnknown: true })
      })

      it('release gives it back, due at once, without counting the attempt', async () => {
        const { id } = await outbox.enqueue(sub())
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        expect(await outbox.release(id, c!.leaseToken, { now: T0 + 1 })).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, leaseUntil: null })
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + 2 })
        expect(again).toMatchObject({ id, attempts: 1, outcomeUnknown: false })
        expect((await outbox.get(id))?.history.map(a => a.outcome)).toEqual(['released', 'in_flight'])
      })

      it('deadLetter keeps it with its error, unclaimable, until requeueDead', async () => {
        const { id } = await outbox.enqueue(sub({ portalId: 'p' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        const error = { code: 'RELAY_ERR_BITRIX_REJECTED', message: 'bad field' }
        expect(await outbox.deadLetter(id, c!.leaseToken, error, { now: T0 + 1 })).toBe(true)
        expect(await outbox.get(id)).toMatchObject({ status: 'dead', lastError: error, attempts: 1 })
        expect(await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + LEASE * 10 })).toEqual([])
        expect((await outbox.listDead({ limit: 10 })).map(d => d.id)).toEqual([id])
        expect(await outbox.listDead({ limit: 10, portalId: 'other' })).toEqual([])

        expect(await outbox.requeueDead(id, { now: T0 + 100 })).toBe(true)
        expect(await outbox.requeueDead(id)).toBe(false)
        expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0, lastError: error })
        const [again] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 + 100 })
        expect(again).toMatchObject({ id, attempts: 1 })
        expect(await outbox.listDead({ limit: 10 })).toEqual([])
        expect(await outbox.stats(T0 + 100)).toMatchObject({ pending: 0, leased: 1, dead: 0, byPortal: { p: { leased: 1 } } })
      })
    })

    describe('dedupe', () => {
      it('returns the first id for the same key inside the window', async () => {
        const first = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: 1000 }))
        const again = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: 1000, now: T0 + 999 }))
        expect(again).toEqual({ id: first.id, duplicate: true })
        const other = await outbox.enqueue(sub({ dedupeKey: 'other', dedupeWindowMs: 1000, now: T0 + 999 }))
        expect(other.duplicate).toBe(false)
        expect((await outbox.stats(T0 + 999)).pending).toBe(2)
      })

      it('stores a new submission once the window has passed, and the key moves to it', async () => {
        const first = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: 1000 }))
        const later = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: 1000, now: T0 + 1000 }))
        expect(later.duplicate).toBe(false)
        expect(later.id).not.toBe(first.id)
        const third = await outbox.enqueue(sub({ dedupeKey: 'same', dedupeWindowMs: 1000, now: T0 + 1500 }))
        expect(third).toEqual({ id: later.id, duplicate: true })
      })

      it('dedupes identical submissions enqueued together', async () => {
        const results = await Promise.all(Array.from({ length: 5 }, () => outbox.enqueue(sub({ dedupeKey: 'burst' }))))
        expect(results.filter(r => !r.duplicate)).toHaveLength(1)
        expect(new Set(results.map(r => r.id)).size).toBe(1)
      })

      it('answers with the first id whatever became of it, and never dedupes without a key', async () => {
        const { id } = await outbox.enqueue(sub({ dedupeKey: 'k' }))
        const [c] = await outbox.claim({ limit: 1, leaseMs: LEASE, now: T0 })
        await outbox.complete(id, c!.leaseToken, { leadId: 3, now: T0 + 1 })
        expect(await outbox.enqueue(sub({ dedupeKey: 'k', now: T0 + 2 }))).toEqual({ id, duplicate: true })
        const [x, y] = await Promise.all([outbox.enqueue(sub()), outbox.enqueue(sub())])
        expect(x?.id).not.toBe(y?.id)
      })
    })

    describe('stats', () => {
      it('counts by status and portal, with what is due and the oldest undelivered', async () => {
        expect(await outbox.stats(T0)).toEqual({
          pending: 0, leased: 0, delivered: 0, dead: 0, due: 0, oldestPendingAt: null, byPortal: {}
        })
        await outbox.enqueue(sub({ portalId: 'a', now: T0 }))
        await outbox.enqueue(sub({ portalId: 'a', now: T0 + 1 }))
        await outbox.enqueue(sub({ portalId: 'b', now: T0 + 2 }))
        await outbox.enqueue(sub({ portalId: 'b', now: T0 + 3 }))
        const [a1] = await outbox.claim({ limit: 1, leaseMs: 1000, portalId: 'a', now: T0 + 10 })
        const [b1, b2] = await outbox.claim({ limit: 2, leaseMs: 1000, portalId: 'b', now: T0 + 10 })
        await outbox.complete(b1!.id, b1!.leaseToken, { leadId: 1 })
        await outbox.deadLetter(b2!.id, b2!.leaseToken, { code: 'X', message: 'x' })
        expect(a1).toBeDefined()

        expect(await outbox.stats(T0 + 10)).toEqual({
          pending: 1, leased: 1, delivered: 1, dead: 1, due: 1, oldestPendingAt: T0,
          byPortal: { a: { pending: 1, leased: 1, dead: 0 }, b: { pending: 0, leased: 0, dead: 1 } }
        })
        expect((await outbox.stats(T0 + 1010)).due).toBe(2)
      })
    })
  })
}
