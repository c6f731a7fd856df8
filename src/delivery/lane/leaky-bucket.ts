/** A per-portal leaky bucket mirroring Bitrix24's request limit, so the relay waits instead of collecting 503s. */
import { setTimeout as sleepFor } from 'node:timers/promises'
import { PORTAL_DEFAULTS } from '../../config/schema.ts'

export interface LeakyBucketOptions {
  /** Requests the portal accepts in a burst (default: the config's `rateLimit.burst`). */
  burst?: number
  /** How fast the portal's counter drains (default: the config's `rateLimit.drainPerSecond`). */
  drainPerSecond?: number
  /** Room left unused so the relay stays just under the portal's limit (default none: the worker passes the config's). */
  headroom?: number
  now?: () => number
  /** Injected with the clock in tests; must reject or return early when the signal aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>
}

/** A bucket option or a take() size that can never work. */
export class BucketUsageError extends RangeError {
  readonly code = 'RELAY_ERR_BUCKET_USAGE'
  constructor (message: string) {
    super(message)
    this.name = 'BucketUsageError'
  }
}

interface Waiter {
  n: number
  resolve: () => void
  reject: (reason: unknown) => void
  signal: AbortSignal | undefined
  onAbort: () => void
}

// Absorbs float error in level arithmetic so a waiter woken on time is not put back to sleep for 0 ms.
const EPSILON = 1e-9

export class LeakyBucket {
  readonly burst: number
  readonly drainPerSecond: number
  readonly headroom: number
  readonly #now: () => number
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>
  #level = 0
  #at: number
  // First come, first served: a waiting take() is never overtaken by a later one.
  readonly #queue: Waiter[] = []
  #timer: AbortController | undefined

  constructor (opts: LeakyBucketOptions = {}) {
    this.burst = opts.burst ?? PORTAL_DEFAULTS.rateLimit.burst
    this.drainPerSecond = opts.drainPerSecond ?? PORTAL_DEFAULTS.rateLimit.drainPerSecond
    this.headroom = opts.headroom ?? 0
    if (!(this.burst > 0) || !(this.drainPerSecond > 0) || !(this.headroom >= 0) || this.headroom >= this.burst) {
      throw new BucketUsageError(`invalid bucket: burst ${this.burst}, drainPerSecond ${this.drainPerSecond}, headroom ${this.headroom}`)
    }
    // A monotonic clock by default: wall-clock jumps must not refill or freeze the bucket.
    this.#now = opts.now ?? (() => performance.now())
    this.#sleep = opts.sleep ?? (async (ms, signal) => { await sleepFor(ms, undefined, { signal }) })
    this.#at = this.#now()
  }

  /** How many requests the relay lets itself have in flight within the window. */
  get capacity (): number {
    return this.burst - this.headroom
  }

  /** The current fill, after draining. */
  get level (): number {
    this.#drain()
    return this.#level
  }

  /** Takes n tokens if they fit now and nobody is waiting. */
  tryTake (n = 1): boolean {
    this.#check(n)
    this.#drain()
    if (this.#queue.length > 0 || !this.#fits(n)) return false
    this.#level += n
    return true
  }

  /** Milliseconds until take(n), called now, would return (0 when it would not wait). */
  waitMs (n = 1): number {
    this.#check(n)
    this.#drain()
    const queued = this.#queue.reduce((sum, w) => sum + w.n, 0)
    return this.#msUntilFits(queued + n)
  }

  /** Waits until n tokens fit, then takes them. Rejects with the signal's reason when aborted. */
  async take (n = 1, signal?: AbortSignal): Promise<void> {
    this.#check(n)
    signal?.throwIfAborted()
    if (this.tryTake(n)) return
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        n,
        resolve,
        reject,
        signal,
        onAbort: () => {
          const index = this.#queue.indexOf(waiter)
          if (index >= 0) this.#queue.splice(index, 1)
          reject(signal?.reason)
          this.#pump()
        }
      }
      signal?.addEventListener('abort', waiter.onAbort, { once: true })
      this.#queue.push(waiter)
      this.#pump()
    })
  }

  /** The portal answered QUERY_LIMIT_EXCEEDED anyway (another app shares the limit): treat it as full. */
  penalize (): void {
    this.#drain()
    this.#level = Math.max(this.#level, this.burst)
  }

  /** Sets the fill level (0 empty, burst full), e.g. from what the portal just said. */
  drainTo (level: number): void {
    this.#drain()
    this.#level = Math.min(Math.max(level, 0), this.burst)
    this.#pump()
  }

  #check (n: number): void {
    if (!(n > 0) || n > this.capacity) throw new BucketUsageError(`cannot take ${n} tokens from a bucket of ${this.capacity}`)
  }

  #drain (): void {
    const now = this.#now()
    const elapsed = Math.max(0, now - this.#at)
    this.#at = Math.max(this.#at, now)
    this.#level = Math.max(0, this.#level - (elapsed / 1000) * this.drainPerSecond)
  }

  #fits (n: number): boolean {
    return this.#level + n <= this.capacity + EPSILON
  }

  #msUntilFits (n: number): number {
    const excess = this.#level + n - this.capacity
    return excess <= EPSILON ? 0 : Math.ceil((excess / this.drainPerSecond) * 1000)
  }

  /** Grants waiters in order while they fit, then sleeps until the first remaining one would fit. */
  #pump (): void {
    this.#drain()
    let head = this.#queue[0]
    while (head !== undefined && this.#fits(head.n)) {
      this.#queue.shift()
      this.#level += head.n
      head.signal?.removeEventListener('abort', head.onAbort)
      head.resolve()
      head = this.#queue[0]
    }
    if (head === undefined) {
      this.#timer?.abort()
      this.#timer = undefined
      return
    }
    if (this.#timer !== undefined) return
    const timer = new AbortController()
    this.#timer = timer
    const wake = (): void => {
      if (this.#timer !== timer) return
      this.#timer = undefined
      this.#pump()
    }
    this.#sleep(Math.max(1, this.#msUntilFits(head.n)), timer.signal).then(wake, wake)
  }
}
