/** Opens the Counters (./counters.ts) beside the outbox named by OUTBOX_URL; its own module so the port does not import its adapters. */
import type { Counters } from './counters.ts'
import { openSqliteCounters } from './counters-sqlite.ts'
import { StoreError } from './errors.ts'
import { sqlitePathOf } from './store-url.ts'

/**
 * The counters beside the outbox named by its URL: the same SQLite file (own connection), or the
 * same Redis (own connection, keys under the outbox's prefix).
 */
export async function openCounters (url: string): Promise<Counters> {
  const path = sqlitePathOf(url)
  if (path !== undefined) return openSqliteCounters({ path })
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const { openRedisCounters } = await import('./redis-counters.ts')
    return await openRedisCounters(url)
  }
  throw new StoreError('RELAY_ERR_STORE', 'counters: unsupported store URL')
}
