/**
 * A portal limiter shared through Redis by every relay instance: rate-limiter-flexible's
 * RateLimiterRedis windows combined by its BurstyRateLimiter, sized so that all instances together
 * stay inside the portal's leaky bucket (see planRedisLimits and DESIGN.md §9).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible'
import { BucketUsageError } from './leaky-bucket.ts'
import type { PortalLimiter } from './portal-limiter.ts'

/** One fixed window: at most `points` calls per `durationSec` seconds. */
export interface WindowPlan { points: number, durationSec: number }

export interface RedisLimitPlan {
  /** The steady share of the drain rate, in short windows. */
  main: WindowPlan
  /** The rest of the drain rate, in one long window: what lets a quiet portal take a burst. Null when the bucket is too small for one. */
  burst: WindowPlan | null
}

export interface PortalRate { burst: number, drainPerSecond: number, headroom: number }

/**
 * Sizes two fixed windows so that their calls never overflow a leaky bucket of capacity
 * C = burst - headroom draining at r per second, whatever the timing. A fixed window of p calls per
 * d seconds lets through at most p·(t/d + 2) calls in any span of t seconds (the span can clip a
 * window at each end), so the pair allows at most (p1/d1 + p2/d2)·t + 2·(p1 + p2). Keeping
 * p1/d1 + p2/d2 <= r and 2·(p1 + p2) <= C keeps that under C + r·t, which is exactly the
 * condition for the portal's bucket never to overflow. For 50 / 2/s / headroom 1 that is
 * 1 call per second plus 23 per 23 seconds: 2 calls per second sustained, 24 at once from idle.
 */
export function planRedisLimits (rate: PortalRate): RedisLimitPlan {
  const capacity = rate.burst - rate.headroom
  const r = rate.drainPerSecond
  if (!(r > 0) || !(capacity >= 2)) {
    throw new BucketUsageError(`a shared limiter needs burst - headroom >= 2 and drainPerSecond > 0 (got ${rate.burst}, ${rate.headroom}, ${r})`)
  }
  // Half the rate goes to the main window, rounded down to whole calls per whole seconds, and at
  // most half the capacity (a span can clip two of its windows).
  const mainSec = Math.max(1, Math.ceil(2 / r))
  const mainPoints = Math.max(1, Math.min(Math.floor((r / 2) * mainSec), Math.floor(capacity / 2)))
  const rest = r - mainPoints / mainSec
  const burstPoints = Math.floor((capacity - 2 * mainPoints) / 2)
  if (burstPoints < 1 || !(rest > 0)) return { main: { points: mainPoints, durationSec: mainSec }, burst: null }
  return {
    main: { points: mainPoints, durationSec: mainSec },
    burst: { points: burstPoints, durationSec: Math.ceil(burstPoints / rest) }
  }
}

export interface RedisLimiterOptions {
  redis: Redis
  /** The store's key prefix; every instance on the same Redis must use the same one. */
  keyPrefix: string
  /** What identifies the portal's bucket: its host, since Bitrix24 counts per portal, not per webhook. */
  key: string
  rate: PortalRate
  log: Pick<Logger, 'warn' | 'info'>
  /** Tests size the windows themselves; the default is planRedisLimits(rate). */
  plan?: RedisLimitPlan
}

export class RedisPortalLimiter implements PortalLimiter {
  readonly plan: RedisLimitPlan
  readonly #key: string
  readonly #main: RateLimiterRedis
  readonly #burst: RateLimiterRedis | undefined
  readonly #limiter: BurstyRateLimiter | RateLimiterRedis
  readonly #log: Pick<Logger, 'warn' | 'info'>
  // Set by penalize() so this instance waits at once, before Redis has heard about it.
  #blockedUntil = 0
  #storeDown = false

  constructor (opts: RedisLimiterOptions) {
    this.plan = opts.plan ?? planRedisLimits(opts.rate)
    this.#key = opts.key
    this.#log = opts.log
    const window = (name: string, w: WindowPlan): RateLimiterRedis => new RateLimiterRedis({
      storeClient: opts.redis, keyPrefix: `${opts.keyPrefix}limit:${name}`, points: w.points, duration: w.durationSec
    })
    this.#main = window('main', this.plan.main)
    this.#burst = this.plan.burst === null ? undefined : window('burst', this.plan.burst)
    this.#limiter = this.#burst === undefined ? this.#main : new BurstyRateLimiter(this.#main, this.#burst)
  }

  /** Takes n calls if they fit now; false if not. Rejects when Redis does not answer. */
  async tryTake (n = 1): Promise<boolean> {
    this.#check(n)
    if (performance.now() < this.#blockedUntil) return false
    try {
      await this.#limiter.consume(this.#key, n)
      return true
    } catch (err) {
      if (err instanceof RateLimiterRes) return false
      throw err
    }
  }

  async take (n = 1, signal?: AbortSignal): Promise<void> {
    this.#check(n)
    let backoffMs = 100
    for (;;) {
      signal?.throwIfAborted()
      const blockedMs = this.#blockedUntil - performance.now()
      if (blockedMs > 0) {
        await this.#wait(blockedMs, signal)
        continue
      }
      try {
        await this.#limiter.consume(this.#key, n)
        if (this.#storeDown) this.#log.info({ key: this.#key }, 'shared rate limiter reaches Redis again')
        this.#storeDown = false
        return
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          // Several instances wake at the same window edge; a little jitter spreads their retries.
          await this.#wait(Math.max(10, err.msBeforeNext) + Math.random() * 50, signal)
          continue
        }
        // Redis is away: wait for it rather than call the portal uncounted.
        if (!this.#storeDown) this.#log.warn({ key: this.#key, err: String(err) }, 'shared rate limiter cannot reach Redis; delivery waits')
        this.#storeDown = true
        await this.#wait(backoffMs, signal)
        backoffMs = Math.min(backoffMs * 2, 2000)
      }
    }
  }

  penalize (): void {
    const { main, burst } = this.plan
    this.#blockedUntil = Math.max(this.#blockedUntil, performance.now() + main.durationSec * 1000)
    // Filling both windows tells every instance; until the burst window ends only the main share is left.
    Promise.all([
      this.#main.block(this.#key, main.durationSec),
      burst === null ? undefined : this.#burst?.block(this.#key, burst.durationSec)
    ]).catch(err => this.#log.warn({ key: this.#key, err: String(err) }, 'could not share a rate-limit penalty through Redis'))
  }

  #check (n: number): void {
    const most = Math.max(this.plan.main.points, this.plan.burst?.points ?? 0)
    if (!Number.isInteger(n) || n < 1 || n > most) throw new BucketUsageError(`cannot take ${n} calls from a shared limiter that grants at most ${most} at once`)
  }

  async #wait (ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, { signal })
    } catch {
      signal?.throwIfAborted()
    }
  }
}
