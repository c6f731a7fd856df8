/** The Redis-shared portal limiter: its window sizes never overflow the portal's bucket, and every instance counts against one budget. */
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { planRedisLimits, RedisPortalLimiter, type RedisLimitPlan } from '../../src/delivery/redis-limiter.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL, startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts'

const quiet = { warn () {}, info () {} }

describe('planRedisLimits', () => {
  it('sizes 50 / 2 per s / headroom 1 as 1 call per second plus 23 per 23 seconds', () => {
    expect(planRedisLimits({ burst: 50, drainPerSecond: 2, headroom: 1 })).toEqual({
      main: { points: 1, durationSec: 1 }, burst: { points: 23, durationSec: 23 }
    })
  })

  it('never allows more than the bucket in any span, and never more than the drain rate in the long run', () => {
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 500 }), fc.integer({ min: 0, max: 20 }), fc.double({ min: 0.1, max: 20, noNaN: true }),
      (burst, headroomWish, drainPerSecond) => {
        const headroom = Math.min(headroomWish, burst - 2)
        const { main, burst: b } = planRedisLimits({ burst, drainPerSecond, headroom })
        const windows = b === null ? [main] : [main, b]
        for (const w of windows) {
          expect(Number.isInteger(w.points) && w.points >= 1).toBe(true)
          expect(Number.isInteger(w.durationSec) && w.durationSec >= 1).toBe(true)
        }
        // A fixed window of p per d lets at most p·(t/d + 2) through in any span t: the slope and the offset must fit the bucket.
        expect(windows.reduce((s, w) => s + w.points / w.durationSec, 0)).toBeLessThanOrEqual(drainPerSecond + 1e-9)
        expect(2 * windows.reduce((s, w) => s + w.points, 0)).toBeLessThanOrEqual(burst - headroom)
      }))
  })

  it('keeps a leaky bucket of 50 draining 2/s from overflowing under the greediest caller', () => {
    // Fixed windows as RateLimiterRedis keeps them (a window opens at the first call after the last
    // one closed), a caller that calls the moment either window has room, and the portal's bucket.
    const plan = planRedisLimits({ burst: 50, drainPerSecond: 2, headroom: 1 })
    const windows = [plan.main, plan.burst!].map(w => ({ ...w, opened: -Infinity, used: 0 }))
    let level = 0
    let peak = 0
    let calls = 0
    for (let t = 0; t <= 300_000; t += 5) {
      level = Math.max(0, level - 2 * 5 / 1000)
      for (;;) {
        for (const w of windows) if (t >= w.opened + w.durationSec * 1000) { w.opened = Infinity; w.used = 0 }
        const free = windows.find(w => w.used < w.points)
        if (free === undefined) break
        if (free.opened === Infinity) free.opened = t
        free.used++
        level += 1
        calls++
        peak = Math.max(peak, level)
      }
    }
    expect(peak).toBeLessThanOrEqual(49)
    // And it does not waste the portal: about 2 calls per second over five minutes.
    expect(calls).toBeGreaterThan(2 * 300 * 0.95)
  })

  it('refuses a bucket too small to share', () => {
    expect(() => planRedisLimits({ burst: 2, drainPerSecond: 2, headroom: 1 })).toThrow(expect.objectContaining({ code: 'RELAY_ERR_BUCKET_USAGE' }))
  })
})

describe('RedisPortalLimiter', () => {
  const limiters: Redis[] = []
  const cleanups: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const r of limiters.splice(0)) r.disconnect()
    for (const c of cleanups.splice(0)) await c()
  })

  // Long windows: nothing refills while a test runs, so counts are exact.
  const longPlan: RedisLimitPlan = { main: { points: 2, durationSec: 600 }, burst: { points: 3, durationSec: 600 } }

  function limiter (url: string, keyPrefix: string, plan: RedisLimitPlan = longPlan): RedisPortalLimiter {
    const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => 100 })
    redis.on('error', () => {})
    limiters.push(redis)
    return new RedisPortalLimiter({ redis, keyPrefix, key: 'portal.example:443', rate: { burst: 50, drainPerSecond: 2, headroom: 1 }, log: quiet, plan })
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
    await expect.poll(async () => await probe.exists(`${keyPrefix}limit:burst:portal.example:443`), { timeout: 5000 }).toBe(1)
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

  it('take() resolves once a window opens again', async () => {
    const { keyPrefix } = randomPrefix('limit')
    cleanups.push(() => deletePrefix(SHARED_REDIS_URL, keyPrefix))
    const a = await ready(limiter(SHARED_REDIS_URL, keyPrefix, { main: { points: 1, durationSec: 1 }, burst: null }), limiters[0]!)
    expect(await a.tryTake(1)).toBe(true)
    expect(await a.tryTake(1)).toBe(false)
    await a.take(1, AbortSignal.timeout(10_000))
  })

  it('refuses to take more at once than a window holds', async () => {
    const a = limiter(SHARED_REDIS_URL, randomPrefix('limit').keyPrefix)
    await expect(a.take(4)).rejects.toMatchObject({ code: 'RELAY_ERR_BUCKET_USAGE' })
  })

  describe('with Redis away', () => {
    let server: PrivateRedis | undefined
    afterEach(async () => { await server?.close() })

    it('keeps waiting instead of failing, and grants once Redis is back', async () => {
      server = await startPrivateRedis()
      const a = await ready(limiter(server.url, randomPrefix('limit').keyPrefix), limiters[0]!)
      await server.stop()
      let settled = false
      const waiting = a.take(1, AbortSignal.timeout(20_000)).finally(() => { settled = true })
      // Redis is down for a while; take() must neither resolve (uncounted call) nor reject.
      await new Promise(resolve => setTimeout(resolve, 500))
      expect(settled).toBe(false)
      await server.start()
      await waiting
    })
  })
})
