/**
 * The Redis outbox in the benchmark: whether it exists yet (opened the way the relay opens its
 * store, src/outbox/open.ts), a key prefix of its own per run, and the cleanup of those keys.
 */
import { Redis } from 'ioredis'
import pino from 'pino'
import { openOutbox } from '../../src/outbox/open.ts'

export type RedisProbe =
  | { ok: true, base: string, persistence: string }
  | { ok: false, base: string, reason: string }

/** The store URL for one relay run: its own `?prefix=`, so it never touches anyone else's keys. */
export function redisRunUrl (base: string, name: string): string {
  const url = new URL(base)
  url.searchParams.set('prefix', name)
  return url.href
}

export async function probeRedisOutbox (base: string): Promise<RedisProbe> {
  const name = `bench-probe-${process.pid}`
  try {
    const outbox = await openOutbox(redisRunUrl(base, name), 'full', pino({ level: 'silent' }))
    await outbox.close()
    await dropRedisKeys(base, name)
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err)
    return { ok: false, base, reason }
  }
  const redis = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const [, appendonly] = await redis.config('GET', 'appendonly') as [string, string]
    const [, appendfsync] = await redis.config('GET', 'appendfsync') as [string, string]
    return {
      ok: true,
      base,
      persistence: appendonly === 'yes' ? `appendonly yes, appendfsync ${appendfsync}` : 'appendonly no (snapshots only)'
    }
  } finally {
    redis.disconnect()
  }
}

/** Deletes every key of the relay that ran with `redisRunUrl(base, name)`. */
export async function dropRedisKeys (base: string, name: string): Promise<number> {
  const redis = new Redis(base, { lazyConnect: true, maxRetriesPerRequest: 1 })
  let dropped = 0
  try {
    await redis.connect()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${name}}:*`, 'COUNT', 1000)
      cursor = next
      if (keys.length > 0) dropped += await redis.unlink(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return dropped
}
