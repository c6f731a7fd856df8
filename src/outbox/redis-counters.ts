/** Counters in Redis: INCR on one key per counter under the outbox's key prefix, shared by every instance. */
import type { Redis } from 'ioredis'
import { checkModulo, turnOf, type Counters } from './counters.ts'
import { StoreError, storeFailure } from './errors.ts'
import { connectRedis } from './redis-connection.ts'
import { parseRedisUrl } from './redis-keys.ts'

/** Counters on a client someone else owns (close() leaves it open). */
export function redisCounters (redis: Redis, keyPrefix: string): Counters {
  let closed = false
  return {
    next: async (key, modulo) => {
      checkModulo(modulo)
      if (closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The counters were closed')
      try {
        return turnOf(await redis.incr(`${keyPrefix}counter:${key}`), modulo)
      } catch (err) {
        throw storeFailure('counter', err)
      }
    },
    close: async () => { closed = true }
  }
}

/** Counters on their own connection to the outbox's Redis (same `?prefix=`); close() quits it. */
export async function openRedisCounters (url: string): Promise<Counters> {
  const target = parseRedisUrl(url)
  const silent = { debug () {}, info () {}, warn () {}, error () {} }
  const redis = await connectRedis({ url: target.connectionUrl, log: silent })
  const counters = redisCounters(redis, target.keyPrefix)
  return {
    next: counters.next,
    close: async () => {
      await counters.close()
      await redis.quit().catch(() => redis.disconnect())
    }
  }
}
