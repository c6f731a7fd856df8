import { describe, expect, it } from 'vitest'
import { BucketUsageError, LeakyBucket, type LeakyBucketOptions } from '../../../src/delivery/lane/leaky-bucket.ts'

/** Lets queued microtasks (granted takes, the pump) run. */
async function settle (): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve()
}

/**
 * A bucket on a fake clock and a fake timer queue: nothing really sleeps. run() fires the timers in
 * due order, moving the clock to each one, until none is left.
 */
function fakeBucket (opts: LeakyBucketOptions = {}) {
  const clock = { t: 1_000_000 }
  const sleeps: number[] = []
  const timers: Array<{ due: number, fire: () => void }> = []
  const bucket = new LeakyBucket({
    ...opts,
    now: () => clock.t,
    sleep: async (ms, signal) => {
      sleeps.push(ms)
      await new Promise<void>((resolve) => {
        const timer = { due: clock.t + ms, fire: resolve }
        timers.push(timer)
        signal.addEventListener('abort', () => {
          timers.splice(timers.indexOf(timer), 1)
          resolve()
        }, { once: true })
      })
    }
  })
  const run = async (): Promise<void> => {
    await settle()
    for (let guard = 0; guard < 10_000 && timers.length > 0; guard++) {
      timers.sort((a, b) => a.due - b.due)
      const timer = timers.shift()!
      clock.t = Math.max(clock.t, timer.due)
      timer.fire()
      await settle()
    }
  }
  return { bucket, clock, sleeps, run }
}

/** take() on the fake clock; resolves to how long it waited. */
async function timedTake (f: ReturnType<typeof fakeBucket>, n = 1): Promise<number> {
  const start = f.clock.t
  const taking = f.bucket.take(n)
  await f.run()
  await taking
  return f.clock.t - start
}

describe('LeakyBucket', () => {
  it('defaults to the portal limit: 50 burst, 2 per second', () => {
    const { bucket } = fakeBucket()
    expect(bucket.burst).toBe(50)
    expect(bucket.drainPerSecond).toBe(2)
    expect(bucket.capacity).toBe(50)
  })

  it('lets 50 through at once; the 51st waits 500 ms', async () => {
    const f = fakeBucket()
    for (let i = 0; i < 50; i++) expect(f.bucket.tryTake()).toBe(true)
    expect(f.bucket.tryTake()).toBe(false)
    expect(f.bucket.waitMs()).toBe(500)
    expect(f.bucket.waitMs(2)).toBe(1000)
    expect(await timedTake(f)).toBe(500)
    expect(f.sleeps).toEqual([500])
    expect(f.bucket.tryTake()).toBe(false)
    // A take that fits returns without sleeping.
    f.clock.t += 5000
    expect(await timedTake(f)).toBe(0)
    expect(f.sleeps).toEqual([500])
  })

  it('drains continuously with the clock', () => {
    const { bucket, clock } = fakeBucket()
    for (let i = 0; i < 50; i++) bucket.tryTake()
    clock.t += 499
    expect(bucket.tryTake()).toBe(false)
    clock.t += 1
    expect(bucket.tryTake()).toBe(true)
    clock.t += 10_000
    expect(bucket.level).toBe(30)
    clock.t += 1_000_000
    expect(bucket.level).toBe(0)
    expect(bucket.waitMs(50)).toBe(0)
  })

  it('serves waiters first come, first served, one drain step apart', async () => {
    const { bucket, clock, run } = fakeBucket()
    for (let i = 0; i < 50; i++) bucket.tryTake()
    const start = clock.t
    const order: Array<[string, number]> = []
    const takes = ['a', 'b', 'c'].map(async (name) => {
      await bucket.take()
      order.push([name, clock.t - start])
    })
    // A waiter is queued, so a later tryTake may not jump ahead of it.
    expect(bucket.tryTake()).toBe(false)
    expect(bucket.waitMs()).toBe(2000)
    await run()
    await Promise.all(takes)
    expect(order).toEqual([['a', 500], ['b', 1000], ['c', 1500]])
  })

  it('takes several tokens at once', async () => {
    const f = fakeBucket({ burst: 10, drainPerSecond: 5 })
    const { bucket } = f
    expect(bucket.tryTake(10)).toBe(true)
    expect(await timedTake(f, 3)).toBe(600)
    expect(() => bucket.tryTake(11)).toThrow(BucketUsageError)
    await expect(bucket.take(0)).rejects.toBeInstanceOf(BucketUsageError)
  })

  it('keeps headroom below the portal limit', async () => {
    const f = fakeBucket({ headroom: 5 })
    expect(f.bucket.capacity).toBe(45)
    for (let i = 0; i < 45; i++) expect(f.bucket.tryTake()).toBe(true)
    expect(f.bucket.tryTake()).toBe(false)
    expect(await timedTake(f)).toBe(500)
  })

  it('penalize() marks the bucket full after a QUERY_LIMIT_EXCEEDED', async () => {
    const f = fakeBucket()
    expect(f.bucket.tryTake()).toBe(true)
    f.bucket.penalize()
    expect(f.bucket.level).toBe(50)
    expect(f.bucket.tryTake()).toBe(false)
    expect(f.bucket.waitMs()).toBe(500)
    expect(await timedTake(f)).toBe(500)
  })

  it('penalize() while someone waits pushes the wait back', async () => {
    const { bucket, clock, sleeps, run } = fakeBucket({ headroom: 10 })
    for (let i = 0; i < 40; i++) bucket.tryTake()
    const start = clock.t
    const waiting = bucket.take()
    bucket.penalize()
    await run()
    await waiting
    // The first sleep (500 ms) was planned before the penalty; the waiter then sleeps again.
    expect(sleeps).toEqual([500, 5000])
    // Full at 50 with capacity 40: 11 tokens must drain before 1 more fits.
    expect(clock.t - start).toBe(5500)
  })

  it('drainTo() sets the level and releases waiters that now fit', async () => {
    const { bucket } = fakeBucket()
    bucket.drainTo(50)
    expect(bucket.tryTake()).toBe(false)
    let granted = false
    const waiting = bucket.take().then(() => { granted = true })
    bucket.drainTo(0)
    await settle()
    expect(granted).toBe(true)
    await waiting
    expect(bucket.level).toBe(1)
    bucket.drainTo(500)
    expect(bucket.level).toBe(50)
    bucket.drainTo(-3)
    expect(bucket.level).toBe(0)
  })

  it('take() rejects with the abort reason and gives its place back', async () => {
    const { bucket, clock, run } = fakeBucket()
    for (let i = 0; i < 50; i++) bucket.tryTake()
    const controller = new AbortController()
    const start = clock.t
    const aborted = bucket.take(1, controller.signal)
    const next = bucket.take()
    controller.abort(new Error('shutting down'))
    await expect(aborted).rejects.toThrow('shutting down')
    await run()
    await next
    expect(clock.t - start).toBe(500)
    const already = new AbortController()
    already.abort(new Error('gone'))
    await expect(bucket.take(1, already.signal)).rejects.toThrow('gone')
  })

  it('rejects impossible settings', () => {
    expect(() => new LeakyBucket({ burst: 0 })).toThrow(BucketUsageError)
    expect(() => new LeakyBucket({ drainPerSecond: 0 })).toThrow(BucketUsageError)
    expect(() => new LeakyBucket({ burst: 10, headroom: 10 })).toThrow(BucketUsageError)
    expect(new BucketUsageError('x').code).toBe('RELAY_ERR_BUCKET_USAGE')
  })

  it('ignores a clock that steps backwards', () => {
    const { bucket, clock } = fakeBucket()
    for (let i = 0; i < 50; i++) bucket.tryTake()
    clock.t -= 60_000
    expect(bucket.level).toBe(50)
    clock.t += 60_000 + 500
    expect(bucket.level).toBe(49)
  })

  it('waits for real with the default clock and sleep', async () => {
    const bucket = new LeakyBucket({ burst: 1, drainPerSecond: 20 })
    const start = performance.now()
    await bucket.take()
    await bucket.take()
    expect(performance.now() - start).toBeGreaterThanOrEqual(45)
  })
})
