/** The Redis outbox on BullMQ: the shared contract (wall clock) on the machine's Redis, then what only this adapter has (BullMQ's own states, key layout, URL). */
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { queueName } from '../../src/outbox/bullmq-jobs.ts'
import { openStore } from '../../src/outbox/open.ts'
import { sharedLimiters } from '../../src/process/shared-limiters.ts'
import { parseRedisUrl } from '../../src/outbox/redis-keys.ts'
import type { NewSubmission } from '../../src/outbox/types.ts'
import { deletePrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { describeOutboxContract, wallClock } from './outbox.contract.ts'
import { redisHarness, type RedisHarness } from './redis-harness.ts'

describeOutboxContract('redis (BullMQ)', clock => redisHarness({ clock }), { clock: wallClock })

const sub = (over: Partial<NewSubmission> = {}): NewSubmission =>
  ({ formId: 'f', portalId: 'p', payload: { TITLE: 't' }, ...over })

describe('Redis outbox on BullMQ', () => {
  let h: RedisHarness | undefined
  const queues: Queue[] = []
  afterEach(async () => {
    await Promise.all(queues.splice(0).map(q => q.close()))
    await h?.cleanup()
    h = undefined
  })

  /** A plain BullMQ Queue on the harness's keys, to look at jobs the way BullMQ sees them. */
  function bullQueue (portalId: string): Queue {
    const q = new Queue(queueName(portalId), { connection: { url: SHARED_REDIS_URL }, prefix: h!.keyPrefix.replace(/:$/, '') })
    queues.push(q)
    return q
  }

  it('is BullMQ underneath: jobs move through wait, active, delayed, failed and back, with BullMQ\'s counters', async () => {
    h = await redisHarness()
    const q = bullQueue('p')
    const { id } = await h.outbox.enqueue(sub({ dedupeKey: 'same' }))
    // BullMQ's deduplication answers with the first job's id.
    expect(await h.outbox.enqueue(sub({ dedupeKey: 'same' }))).toEqual({ id, duplicate: true })
    expect(await q.getDeduplicationJobId('same')).toBe(id)
    expect(await q.getJobState(id)).toBe('waiting')

    let [c] = await h.outbox.claim({ limit: 1, leaseMs: 60_000, portalId: 'p' })
    expect(await q.getJobState(id)).toBe('active')
    await h.outbox.retryLater(id, c!.leaseToken, { at: Date.now() + 60_000, error: { code: 'X', message: 'later' }, outcomeUnknown: false })
    expect(await q.getJobState(id)).toBe('delayed')
    expect((await q.getJob(id))?.attemptsMade).toBe(1)

    // Promoting the delayed job is BullMQ's business too.
    await (await q.getJob(id))!.promote()
    ;[c] = await h.outbox.claim({ limit: 1, leaseMs: 60_000, portalId: 'p' })
    expect(c).toMatchObject({ id, attempts: 2 })
    await h.outbox.deadLetter(id, c!.leaseToken, { code: 'RELAY_ERR_BITRIX_REJECTED', message: 'bad field' })
    const failed = await q.getFailed()
    expect(failed.map(j => j.id)).toEqual([id])
    expect(JSON.parse(failed[0]!.failedReason)).toMatchObject({ code: 'RELAY_ERR_BITRIX_REJECTED', message: 'bad field' })

    expect(await h.outbox.requeueDead(id)).toBe(true)
    expect(await q.getJobState(id)).toBe('waiting')
    expect(await q.getJobCounts('failed', 'wait')).toEqual({ failed: 0, wait: 1 })
  })

  it('another relay takes over a lease that ran out, found by BullMQ\'s stalled check', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    const [first] = await h.outbox.claim({ limit: 1, leaseMs: 300 })
    expect(first?.id).toBe(id)
    // A second handle, as another relay would be.
    const other = await h.open()
    const second = await waitFor(async () => (await other.claim({ limit: 1, leaseMs: 60_000 }))[0],
      { timeoutMs: 10_000, intervalMs: 50, what: 'the expired lease to be claimed again' })
    expect(second).toMatchObject({ id, attempts: 2, outcomeUnknown: true })
    expect((await bullQueue('p').getJob(id))?.stalledCounter).toBe(1)
    expect(await h.outbox.complete(id, first!.leaseToken, { leadId: 1 })).toBe(false)
    // A report may come through any handle: the token names the portal, BullMQ checks the lock.
    expect(await h.outbox.complete(id, second.leaseToken, { leadId: 2 })).toBe(true)
    expect(await other.get(id)).toMatchObject({ status: 'delivered', leadId: 2, attempts: 2 })
  })

  it('keeps every key under its prefix, and the cleanup leaves none behind', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub({ dedupeKey: 'k' }))
    const [c] = await h.outbox.claim({ limit: 1, leaseMs: 60_000 })
    await h.outbox.deadLetter(id, c!.leaseToken, { code: 'X', message: 'x' })
    const probe = new Redis(SHARED_REDIS_URL)
    try {
      const keys = await probe.keys(`${h.keyPrefix}*`)
      expect(keys.length).toBeGreaterThan(5)
      expect(keys.every(k => k.startsWith(h!.keyPrefix))).toBe(true)
      expect(keys).toContain(`${h.keyPrefix}${queueName('p')}:${id}`)
      await h.cleanup()
      expect(await probe.keys(`${h.keyPrefix}*`)).toEqual([])
      h = undefined
    } finally {
      probe.disconnect()
    }
  })

  it('gives portals whose ids BullMQ would refuse as queue names a queue of their own', async () => {
    h = await redisHarness()
    expect(queueName('shop:a')).not.toContain(':')
    expect(queueName('shop:a')).not.toBe(queueName('shop:b'))
    const { id } = await h.outbox.enqueue(sub({ portalId: 'shop:a' }))
    await h.outbox.enqueue(sub({ portalId: 'shop:b' }))
    const [c] = await h.outbox.claim({ limit: 5, leaseMs: 60_000, portalId: 'shop:a' })
    expect(c).toMatchObject({ id, portalId: 'shop:a' })
    expect(await h.outbox.complete(id, c!.leaseToken, { leadId: 5 })).toBe(true)
    expect((await h.outbox.stats()).byPortal).toEqual({ 'shop:b': { pending: 1, leased: 0, dead: 0 } })
  })

  it('returns a delivered lead id beyond 2^31 exactly, and the deal id', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    const [c] = await h.outbox.claim({ limit: 1, leaseMs: 60_000 })
    await h.outbox.complete(id, c!.leaseToken, { leadId: 9_007_199_254_740_991, dealId: 12 })
    expect(await h.outbox.get(id)).toMatchObject({ leadId: 9_007_199_254_740_991, dealId: 12 })
  })

  it('rejects with RELAY_ERR_STORE when the server refuses a command', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    const [c] = await h.outbox.claim({ limit: 1, leaseMs: 60_000 })
    // The job's hash made into a string: BullMQ's reads and scripts then fail with WRONGTYPE.
    await h.outbox.redis.set(`${h.keyPrefix}${queueName('p')}:${id}`, 'not a hash')
    await expect(h.outbox.get(id)).rejects.toMatchObject({ code: 'RELAY_ERR_STORE', name: 'StoreError' })
    await expect(h.outbox.complete(id, c!.leaseToken, { leadId: 1 })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
  })
})

describe('Redis URL', () => {
  it('takes the key prefix from ?prefix= and keeps it out of the connection URL', () => {
    expect(parseRedisUrl('redis://:pw@10.0.0.5:6380/2?prefix=shop-a')).toEqual({
      connectionUrl: 'redis://:pw@10.0.0.5:6380/2', keyPrefix: '{shop-a}:'
    })
    expect(parseRedisUrl('rediss://cache.example/0').keyPrefix).toBe('{relay}:')
  })

  it('refuses other schemes and odd prefixes with RELAY_ERR_CONFIG', () => {
    expect(() => parseRedisUrl('http://x/0')).toThrow(expect.objectContaining({ code: 'RELAY_ERR_CONFIG' }))
    expect(() => parseRedisUrl('redis://x/0?prefix=a}b')).toThrow(expect.objectContaining({ code: 'RELAY_ERR_CONFIG' }))
  })

  it('openStore gives Redis mode its connection and a shared limiter, SQLite mode neither', async () => {
    const logger = pino({ level: 'silent' })
    const name = `open-${Date.now()}`
    const store = await openStore(`${SHARED_REDIS_URL}?prefix=${name}`, 'full', logger)
    try {
      expect(store.redis?.status).toBe('ready')
      expect(typeof sharedLimiters(store, logger)).toBe('function')
      const { id } = await store.outbox.enqueue(sub())
      expect(await store.redis?.exists(`{${name}}:${queueName('p')}:${id}`)).toBe(1)
    } finally {
      await store.outbox.close()
      await deletePrefix(SHARED_REDIS_URL, `{${name}}:`)
    }
    const sqlite = await openStore('sqlite::memory:', 'full', logger)
    expect(sqlite.redis).toBeUndefined()
    expect(sharedLimiters(sqlite, logger)).toBeUndefined()
    await sqlite.outbox.close()
  })
})
