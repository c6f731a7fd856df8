/**
 * A portal limiter shared through Redis by every relay instance: the portal's own leaky bucket,
 * kept as a GCRA (generic cell rate algorithm) in one Lua script, so all instances together send
 * what the bucket allows and never more (DESIGN.md §9).
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { BucketUsageError } from './leaky-bucket.ts'
import type { PortalLimiter } from './portal-limiter.ts'

export interface PortalRate { burst: number, drainPerSecond: number, headroom: number }

/**
 * The bucket is kept as its "theoretical arrival time" (TAT): the moment it would be empty again.
 * Its level now is (TAT − now) / interval. A take of n fits when the level plus n stays within the
 * capacity; then TAT moves on by n intervals. Redis's own clock (TIME) is the only clock, so relays
 * whose clocks disagree still share one bucket. Answers {1, 0} when granted, {0, ms} with the wait
 * until n would fit. A penalty fills the bucket to the brim (the portal said it was full).
 */
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local interval = tonumber(ARGV[2])
local capacity = tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if ARGV[4] == 'penalize' then
  local full = now + capacity * interval
  if tat < full then tat = full end
  redis.call('SET', KEYS[1], string.format('%.3f', tat), 'PX', math.ceil(tat - now) + 1000)
  return {1, 0}
end
local after = tat + tonumber(ARGV[1]) * interval
local over = after - now - capacity * interval
if over > 0 then return {0, math.ceil(over)} end
redis.call('SET', KEYS[1], string.format('%.3f', after), 'PX', math.ceil(after - now) + 1000)
return {1, 0}
`

interface GcraRedis extends Redis {
  relayGcra: (key: string, n: number, intervalMs: number, capacity: number, mode: 'take' | 'penalize') => Promise<[number, number]>
}

export interface RedisLimiterOptions {
  redis: Redis
  /** The store's key prefix; every instance on the same Redis must use the same one. */
  keyPrefix: string
  /** What identifies the portal's bucket: its host, since Bitrix24 counts per portal, not per webhook. */
  key: string
  rate: PortalRate
  log: Pick<Logger, 'warn' | 'info'>
}

export class RedisPortalLimiter implements PortalLimiter {
  /** Calls the bucket holds: the portal's burst less the headroom kept for clock and network skew. */
  readonly capacity: number
  readonly #intervalMs: number
  readonly #redis: GcraRedis
  readonly #redisKey: string
  readonly #key: string
  readonly #log: Pick<Logger, 'warn' | 'info'>
  // Set by penalize() so this instance waits at once, before Redis has heard about it.
  #blockedUntil = 0
  #storeDown = false

  constructor (opts: RedisLimiterOptions) {
    const { burst, headroom, drainPerSecond } = opts.rate
    this.capacity = burst - headroom
    if (!(drainPerSecond > 0) || !(this.capacity >= 1)) {
      throw new BucketUsageError(
        `a shared limiter needs burst - headroom >= 1 and drainPerSecond > 0 (got ${burst}, ${headroom}, ${drainPerSecond})`
      )
    }
    this.#intervalMs = 1000 / drainPerSecond
    this.#key = opts.key
    this.#redisKey = `${opts.keyPrefix}limit:gcra:${opts.key}`
    this.#log = opts.log
    // defineCommand sends the script by its SHA and loads it again after a Redis restart.
    const redis = opts.redis as GcraRedis
    if (typeof redis.relayGcra !== 'function') redis.defineCommand('relayGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT })
    this.#redis = redis
  }

  /** Takes n calls if they fit now; false if not. Rejects when Redis does not answer. */
  async tryTake (n = 1): Promise<boolean> {
    this.#check(n)
    if (performance.now() < this.#blockedUntil) return false
    const [granted] = await this.#redis.relayGcra(this.#redisKey, n, this.#intervalMs, this.capacity, 'take')
    return granted === 1
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
      let answer: [number, number]
      try {
        answer = await this.#redis.relayGcra(this.#redisKey, n, this.#intervalMs, this.capacity, 'take')
      } catch (err) {
        // Redis is away: wait for it rather than call the portal uncounted.
        if (!this.#storeDown) {
          this.#log.warn({ key: this.#key, err: String(err) }, 'shared rate limiter cannot reach Redis; delivery waits')
        }
        this.#storeDown = true
        await this.#wait(backoffMs, signal)
        backoffMs = Math.min(backoffMs * 2, 2000)
        continue
      }
      if (this.#storeDown) this.#log.info({ key: this.#key }, 'shared rate limiter reaches Redis again')
      this.#storeDown = false
      backoffMs = 100
      if (answer[0] === 1) return
      // The script says exactly when n will fit; several instances waiting for the same moment are
      // served in the order their scripts run, and the losers get their next moment in the answer.
      await this.#wait(Math.max(1, answer[1]), signal)
    }
  }

  penalize (): void {
    // A full bucket lets the next call through one interval from now, here and, through Redis, everywhere.
    this.#blockedUntil = Math.max(this.#blockedUntil, performance.now() + this.#intervalMs)
    this.#redis.relayGcra(this.#redisKey, 0, this.#intervalMs, this.capacity, 'penalize')
      .catch(err => this.#log.warn({ key: this.#key, err: String(err) }, 'could not share a rate-limit penalty through Redis'))
  }

  #check (n: number): void {
    if (!Number.isInteger(n) || n < 1 || n > this.capacity) {
      throw new BucketUsageError(`cannot take ${n} calls from a shared limiter that holds ${this.capacity}`)
    }
  }

  async #wait (ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, undefined, { signal })
    } catch {
      signal?.throwIfAborted()
    }
  }
}
