/** Security tests: the real app on an in-memory outbox and spam store, listening on 127.0.0.1 when asked. */
import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import type { SpamStore } from '../../src/security/spam-store.ts'
import { openSqliteSpamStore } from '../../src/security/spam-store-sqlite.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'

export interface SecureApp {
  app: FastifyInstance
  outbox: SqliteOutbox
  spam: SpamStore
  config: RelayConfig
  /** Base URL once `listen()` ran. */
  url: string
  listen: () => Promise<string>
  close: () => Promise<void>
}

export interface SecureAppOptions {
  env?: Record<string, string>
  trustProxy?: boolean | string | string[]
  redis?: Redis
  now?: () => number
  logger?: Logger
  adminToken?: string
}

export const FORM = 'application/x-www-form-urlencoded'

export async function buildSecureApp (raw: Record<string, unknown>, opts: SecureAppOptions = {}): Promise<SecureApp> {
  const config = buildConfig(raw, opts.env ?? { B24_WEBHOOK_URL: TEST_WEBHOOK })
  const clock = opts.now !== undefined ? { clock: opts.now } : {}
  const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed', ...clock })
  const spam = openSqliteSpamStore(':memory:')
  const app = await buildApp({
    config: () => config,
    outbox,
    admin: createSqliteAdmin(outbox),
    spamStore: spam,
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.redis !== undefined ? { redis: opts.redis } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
    ...(opts.adminToken !== undefined ? { adminToken: opts.adminToken } : {})
  })
  await app.ready()
  const t: SecureApp = {
    app,
    outbox,
    spam,
    config,
    url: '',
    listen: async () => {
      await app.listen({ port: 0, host: '127.0.0.1' })
      const address = app.server.address()
      t.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
      return t.url
    },
    close: async () => {
      await app.close()
      await outbox.close()
      await spam.close()
    }
  }
  return t
}

/** How many submissions the outbox holds (any status). */
export async function storedCount (outbox: SqliteOutbox): Promise<number> {
  const s = await outbox.stats()
  return s.pending + s.leased + s.delivered + s.dead
}
