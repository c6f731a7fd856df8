/**
 * The portal limiters the relay and the standalone worker hand to DeliveryWorker. In Redis mode
 * every instance shares one bucket per portal through the store's connection
 * (src/delivery/lane/redis-limiter.ts); otherwise there are none, and each lane keeps its own
 * in-process bucket. Built here, not by the store: the outbox owns its connection, not delivery's limits.
 */
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import type { PortalConfig } from '../config/schema.ts'
import type { PortalLimiter } from '../delivery/lane/portal-limiter.ts'
import { RedisPortalLimiter } from '../delivery/lane/redis-limiter.ts'

export type LimiterFor = (portalId: string, portal: PortalConfig) => PortalLimiter

/** Limiters shared through the opened store's Redis, or undefined for a store without one (SQLite). */
export function sharedLimiters (store: { redis?: Redis, keyPrefix?: string }, logger: Logger): LimiterFor | undefined {
  const { redis, keyPrefix } = store
  if (redis === undefined || keyPrefix === undefined) return undefined
  const log = logger.child({ component: 'rate-limiter' })
  // Keyed by the portal's host: Bitrix24 counts per portal, so two webhooks of one portal share a bucket.
  return (_portalId, portal) =>
    new RedisPortalLimiter({ redis, keyPrefix, key: new URL(portal.webhook).host, rate: portal.rateLimit, log })
}
