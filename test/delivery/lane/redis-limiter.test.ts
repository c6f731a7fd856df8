/** The Redis-shared portal limiter: one leaky bucket (GCRA) for every instance, never fuller than the portal's. */
import { Redis } from 'ioredis'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { RedisPortalLimiter, type PortalRate, type RedisLimiterOptions } from '../../../src/delivery/lane/redis-limiter.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL, startPrivateRedis, type PrivateRedis } from '../../helpers/redis-server.ts'
import { waitFor } from '../../helpers/wait-for.ts'

const quiet = { warn () {}, info () {} }

describe('RedisPortalLimiter', () => {
  const limiters: Redis[] = []
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const r of limiters.splice(0)) r.disconnect()
    for (const c of cleanups.splice(0)) await c()
  })

  // A bucket of 5 that drains one call per 1,000 s: nothing drains while a test runs, so counts are exact.
  const slowRate: PortalRate = { burst: 6, drainPerSecond: 0.001, headroom: 1 }

  function limiter (
    url: string, keyPrefix: string, rate: PortalRate = slowRate, log: RedisLimiterOptions['log'] = quiet
  ): RedisPortalLimiter {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 })
    redis.on('error', () => {})
    limiters.push(redis)
    return new RedisPortalLimiter({ redis, keyPrefix, key: 'portal.example:443', rate, log })
  }

  async function ready (l: RedisPortalLimiter, r: Redis): Promise<RedisPortalLimiter> {
    if (r.status !== 'ready') await new Promise(resolve => r.once('ready', resolve))
    return l
  }

  it('counts two instances against one budget', async () => {
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix), limiters[0]!)
    const b = await ready(limiter(SHARED_REDIS_URL, keyPrefix), limiters[1]!)
    const granted: boolean[] = []
    for (let i = 0; i < 10; i++) granted.push(await (i % 2 === 0 ? a : b).tryTake(1))
    expect(granted.filter(Boolean)).toHaveLength(5)
    expect(granted.slice(0, 5)).toEqual([true, true, true, true, true])
  })

  it('shares a penalty: after one instance hears QUERY_LIMIT_EXCEEDED the other waits too', async () => {
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix), limiters[0]!)
    const b = await ready(limiter(SHARED_REDIS_URL, keyPrefix), limiters[1]!)
    a.penalize()
    expect(await a.tryTake(1)).toBe(false)
    const probe = limiters[1]!
    await expect.poll(async () => await probe.exists(`${keyPrefix}limit:gcra:portal.example:443`), { timeout: 5000 }).toBe(1)
    expect(await b.tryTake(1)).toBe(false)
  })

  it('take() waits while the budget is spent and rejects with the signal\'s reason when aborted', async () => {
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix), limiters[0]!)
    for (let i = 0; i < 5; i++) await a.take(1)
    const abort = new AbortController()
    const waiting = a.take(1, abort.signal)
    abort.abort(new Error('lane stopped'))
    await expect(waiting).rejects.toThrow('lane stopped')
  })

  it('take() resolves once the bucket has drained enough', async () => {
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix, { burst: 2, drainPerSecond: 1, headroom: 1 }), limiters[0]!)
    expect(await a.tryTake(1)).toBe(true)
    expect(await a.tryTake(1)).toBe(false)
    await a.take(1, AbortSignal.timeout(10_000))
  })

  it('refuses to take more at once than the bucket holds, and a bucket that holds nothing', async () => {
    const a = limiter(SHARED_REDIS_URL, randomPrefix('limit').keyPrefix)
    await expect(a.take(6)).rejects.toMatchObject({ code: 'RELAY_ERR_BUCKET_USAGE' })
    expect(() => limiter(SHARED_REDIS_URL, 'x:', { burst: 1, drainPerSecond: 2, headroom: 1 })).toThrow(expect.objectContaining({ code: 'RELAY_ERR_BUCKET_USAGE' }))
  })

  it('lets a quiet portal take its whole bucket at once, as the portal allows', async () => {
    // Bitrix24's own bucket takes 50 at once; with one call of headroom, every one of the first 49 is granted.
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const rate = { burst: 50, drainPerSecond: 2, headroom: 1 }
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix, rate), limiters[0]!)
    const b = await ready(limiter(SHARED_REDIS_URL, keyPrefix, rate), limiters[1]!)
    const granted: boolean[] = []
    for (let i = 0; i < 49; i++) granted.push(await (i % 2 === 0 ? a : b).tryTake(1))
    expect(granted.every(Boolean)).toBe(true)
  })

  it('never lets two instances together take faster than the drain rate', async () => {
    // Once the bucket is full, 40 calls need 39 drain intervals at the least, however the two
    // instances interleave. Redis's clock decides, so a lower bound is exact: a busy machine only makes it later.
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const rate = { burst: 11, drainPerSecond: 20, headroom: 1 }
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix, rate), limiters[0]!)
    const b = await ready(limiter(SHARED_REDIS_URL, keyPrefix, rate), limiters[1]!)
    for (let i = 0; i < 1000 && await a.tryTake(1); i++);
    const started = performance.now()
    await Promise.all([a, b].map(async l => { for (let i = 0; i < 20; i++) await l.take(1, AbortSignal.timeout(20_000)) }))
    expect(performance.now() - started).toBeGreaterThanOrEqual(39 * 50 - 5)
  })

  describe('with Redis away', () => {
    let server: PrivateRedis | undefined
    afterEach(async () => { await server?.close() })

    it('keeps waiting instead of failing, and grants once Redis is back', async () => {
      server = await startPrivateRedis()
      const warnings: string[] = []
      const log = pino({ level: 'warn' }, { write: (line: string) => { warnings.push(line) } })
      const a = await ready(limiter(server.url, randomPrefix('limit').keyPrefix, slowRate, log), limiters[0]!)
      await server.stop()
      let settled = false
      const waiting = a.take(1, AbortSignal.timeout(20_000)).finally(() => { settled = true })
      // Redis is down; once take() has found that out it must neither resolve (uncounted call) nor reject.
      await waitFor(() => warnings.some(m => m.includes('cannot reach Redis')), { what: 'the limiter to find Redis away' })
      expect(settled).toBe(false)
      await server.start()
      await waiting
    })
  })
})
