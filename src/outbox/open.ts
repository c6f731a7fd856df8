/** Opens the store named by OUTBOX_URL: sqlite:<path> (the default) or redis://host:6379/0 (BullMQ) for several instances. */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, isAbsolute } from 'node:path'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { ConfigError } from '../errors.ts'
import type { SubmissionAdmin } from './admin-types.ts'
import { createSqliteAdmin } from './sqlite-admin.ts'
import { openSqliteOutbox } from './sqlite.ts'
import { openThreadedSqliteOutbox } from './sqlite-threaded.ts'
import { sqlitePathOf } from './store-url.ts'
import type { Outbox } from './types.ts'

/** The outbox, the ports its backend offers beside it, and, in Redis mode, what every instance on that Redis shares with it. */
export interface OpenedStore {
  outbox: Outbox
  /** The admin port (search, delete, erase, charts, write probe) where the backend has one: SQLite. Pass it as AppDeps.admin. */
  admin?: SubmissionAdmin
  /**
   * Redis mode only: the outbox's connection, for other state that must hold across instances
   * (the intake's per-IP rate limit: pass it as AppDeps.redis). It fails fast while Redis is away.
   * Closed by outbox.close(); do not close it yourself.
   */
  redis?: Redis
  /**
   * Redis mode only: the prefix of every key of this relay, for other shared state (the spam store,
   * the portal limiters: src/process/shared-limiters.ts).
   */
  keyPrefix?: string
}

export interface StoreOptions {
  /**
   * SQLite: perform the writes on a writer thread (./sqlite-threaded.ts), so the fsync of a group
   * commit never stops this event loop. The intake server wants it; one-shot tools do not.
   */
  writerThread?: boolean
  /** The outbox's clock (see the Outbox port); default Date.now. */
  clock?: () => number
}

export async function openStore (
  url: string, durability: 'full' | 'relaxed', logger: Logger, opts: StoreOptions = {}
): Promise<OpenedStore> {
  const log = logger.child({ component: 'outbox' })
  const path = sqlitePathOf(url)
  if (path !== undefined) {
    if (path !== ':memory:') ensureFolder(path)
    const open = opts.writerThread === true ? openThreadedSqliteOutbox : openSqliteOutbox
    const outbox = await open({ path, durability, logger: log, ...clockOf(opts) })
    return { outbox, admin: createSqliteAdmin(outbox) }
  }
  if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    // Loaded only in Redis mode: BullMQ and ioredis cost start-up time and memory the default store does not need.
    const { openBullOutbox } = await import('./bullmq.ts')
    const outbox = await openBullOutbox({ url, durability, logger: log, ...clockOf(opts) })
    return { outbox, redis: outbox.redis, keyPrefix: outbox.keyPrefix }
  }
  throw new ConfigError(`outbox.url: "${url.replace(/\/\/[^@/]*@/, '//***@')}" is not supported; use sqlite:<path> or redis://host:6379/0`)
}

function clockOf (opts: StoreOptions): { clock?: () => number } {
  return opts.clock !== undefined ? { clock: opts.clock } : {}
}

/**
 * A relative path's folder is created (./data on a fresh checkout); an absolute path's must exist:
 * a mistyped /var/lib path must not turn into new folders at the root of the disk.
 */
function ensureFolder (path: string): void {
  const folder = dirname(path)
  if (isAbsolute(path)) {
    if (!existsSync(folder)) {
      throw new ConfigError(`outbox.url: the folder ${folder} of ${path} does not exist; ` +
        'create it (writable by the relay\'s user) or fix the path')
    }
    return
  }
  mkdirSync(folder, { recursive: true })
}

/** The outbox alone, for callers that need nothing shared (the demo, benchmarks). */
export async function openOutbox (
  url: string, durability: 'full' | 'relaxed', logger: Logger, opts: StoreOptions = {}
): Promise<Outbox> {
  return (await openStore(url, durability, logger, opts)).outbox
}
