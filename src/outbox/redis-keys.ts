/** The Redis outbox's URL (redis://host:6379/0?prefix=relay) and the prefix every key of the relay starts with. */
import { ConfigError } from '../errors.ts'

export interface RedisTarget {
  /** What ioredis connects to: the URL without our own `prefix` parameter. */
  connectionUrl: string
  /**
   * Every key starts with it (BullMQ's prefix is the same name in braces). The name sits in braces,
   * a Redis Cluster hash tag, so all keys of one relay share a slot and BullMQ's scripts that
   * touch several of them stay legal there too.
   */
  keyPrefix: string
}

const PREFIX_NAME = /^[\w.-]{1,64}$/

/** Parses OUTBOX_URL for Redis; `?prefix=` names the relay's keys (default "relay"), so several relays can share a server. */
export function parseRedisUrl (url: string): RedisTarget {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ConfigError('outbox.url: not a valid redis:// URL')
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError('outbox.url: use redis:// or rediss://')
  const name = parsed.searchParams.get('prefix') ?? 'relay'
  if (!PREFIX_NAME.test(name)) throw new ConfigError('outbox.url: prefix may hold letters, digits, _, . and - (at most 64)')
  parsed.searchParams.delete('prefix')
  return { connectionUrl: parsed.href, keyPrefix: redisKeyPrefix(name) }
}

export function redisKeyPrefix (name: string): string {
  return `{${name}}:`
}
