/** The Redis outbox: the shared contract on the machine's Redis, then what only Redis has (server clock, key layout, URL). */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { parseRedisUrl } from '../../src/outbox/redis-keys.ts'
import { openStore } from '../../src/outbox/open.ts'
import type { NewSubmission } from '../../src/outbox/types.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { deletePrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import { describeOutboxContract } from './outbox.contract.ts'
import { redisHarness, type RedisHarness } from './redis-harness.ts'
import pino from 'pino'

describeOutboxContract('redis', () => redisHarness())

const sub = (over: Partial<NewSubmission> = {}): NewSubmission =>
  ({ formId: 'f', portalId: 'p', payload: { TITLE: 't' }, ...over })

describe('Redis outbox', () => {
  let h: RedisHarness | undefined
  afterEach(async () => { await h?.cleanup() })

  it('runs out leases on the Redis server\'s clock when the caller passes no `now`', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    const [first] = await h.outbox.claim({ limit: 1, leaseMs: 300 })
    expect(first?.id).toBe(id)
    expect(await h.outbox.claim({ limit: 1, leaseMs: 300 })).toEqual([])
    // A second handle, as another relay would be, takes it over once the lease has run out.
    const other = await h.open()
    const second = await waitFor(async () => (await other.claim({ limit: 1, leaseMs: 60_000 }))[0],
      { timeoutMs: 5000, intervalMs: 50, what: 'the expired lease to be claimed again' })
    expect(second).toMatchObject({ id, attempts: 2, outcomeUnknown: true })
    expect(await h.outbox.complete(id, first!.leaseToken, { leadId: 1 })).toBe(false)
    expect(await other.complete(id, second.leaseToken, { leadId: 2 })).toBe(true)
  })

  it('keeps every key under its prefix, and the cleanup leaves none behind', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub({ dedupeKey: 'k' }))
    const [c] = await h.outbox.claim({ limit: 1, leaseMs: 1000 })
    await h.outbox.deadLetter(id, c!.leaseToken, { code: 'X', message: 'x' })
    const probe = new Redis(SHARED_REDIS_URL)
    try {
      const keys = await probe.keys(`${h.keyPrefix}*`)
      expect(keys.length).toBeGreaterThan(5)
      expect(keys.every(k => k.startsWith(h!.keyPrefix))).toBe(true)
      await h.cleanup()
      expect(await probe.keys(`${h.keyPrefix}*`)).toEqual([])
      h = undefined
    } finally {
      probe.disconnect()
    }
  })

  it('returns a delivered lead id beyond 2^31 exactly', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    const [c] = await h.outbox.claim({ limit: 1, leaseMs: 1000 })
    await h.outbox.complete(id, c!.leaseToken, { leadId: 9_007_199_254_740_991 })
    expect((await h.outbox.get(id))?.leadId).toBe(9_007_199_254_740_991)
  })

  it('rejects with RELAY_ERR_STORE when the server refuses a command', async () => {
    h = await redisHarness()
    const { id } = await h.outbox.enqueue(sub())
    // The submission key made into a string: the scripts' HMGET then fails with WRONGTYPE.
    await h.outbox.redis.set(`${h.keyPrefix}sub:${id}`, 'not a hash')
    await expect(h.outbox.get(id)).rejects.toMatchObject({ code: 'RELAY_ERR_STORE', name: 'StoreError' })
    await expect(h.outbox.complete(id, 'token', { leadId: 1 })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
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
      expect(typeof store.limiterFor).toBe('function')
      const { id } = await store.outbox.enqueue(sub())
      expect(await store.redis?.exists(`{${name}}:sub:${id}`)).toBe(1)
    } finally {
      await store.outbox.close()
      await deletePrefix(SHARED_REDIS_URL, `{${name}}:`)
    }
    const sqlite = await openStore('sqlite::memory:', 'full', logger)
    expect(sqlite.redis).toBeUndefined()
    expect(sqlite.limiterFor).toBeUndefined()
    await sqlite.outbox.close()
  })
})
