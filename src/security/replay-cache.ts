/**
 * Signatures already used, for as long as their timestamp could still be accepted: a captured signed
 * request cannot be sent again. In Redis mode the set is shared by every relay instance (SET NX with
 * an expiry); otherwise, or while Redis cannot be asked, each process remembers its own.
 */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

export interface ReplayCache {
  /** True the first time `signature` is seen within `ttlMs`; false for a replay. */
  firstUse: (signature: string, ttlMs: number) => Promise<boolean>
}

/** Far more signed requests than any sender makes in a replay window; the oldest go first beyond it. */
const MEMORY_MAX = 100_000

export function memoryReplayCache (now: () => number = Date.now): ReplayCache {
  // Insertion order is expiry order (one ttl per relay), so expired entries are at the front.
  const seen = new Map<string, number>()
  return {
    firstUse: async (signature, ttlMs) => {
      const t = now()
      for (const [key, expires] of seen) {
        if (expires > t && seen.size < MEMORY_MAX) break
        seen.delete(key)
      }
      const expires = seen.get(signature)
      if (expires !== undefined && expires > t) return false
      seen.set(signature, t + ttlMs)
      return true
    }
  }
}

export interface RedisReplayOptions {
  onError?: (err: unknown) => void
}

export function redisReplayCache (redis: Redis, opts: RedisReplayOptions = {}): ReplayCache {
  const fallback = memoryReplayCache()
  return {
    firstUse: async (signature, ttlMs) => {
      // A hash keeps keys short and fixed-size whatever the sender put in the header.
      const key = 'relay:replay:' + createHash('sha256').update(signature).digest('hex')
      try {
        return await redis.set(key, '1', 'PX', ttlMs, 'NX') === 'OK'
      } catch (err) {
        opts.onError?.(err)
        return await fallback.firstUse(signature, ttlMs)
      }
    }
  }
}
