/** Builds the real app on an in-memory SQLite outbox with a config given as a plain object. */
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'

export interface TestApp {
  app: FastifyInstance
  outbox: SqliteOutbox
  config: RelayConfig
  close: () => Promise<void>
}

export const TEST_WEBHOOK = 'http://127.0.0.1:9/rest/1/testsecret/'

export async function buildTestApp (raw: Record<string, unknown> = {}, env: Record<string, string> = { B24_WEBHOOK_URL: TEST_WEBHOOK }): Promise<TestApp> {
  const config = buildConfig(raw, env)
  const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
  const app = await buildApp({ config: () => config, outbox, admin: createSqliteAdmin(outbox) })
  await app.ready()
  return {
    app,
    outbox,
    config,
    close: async () => {
      await app.close()
      await outbox.close()
    }
  }
}

/** The crm.lead.add fields stored for a submission. */
export async function storedFields (outbox: SqliteOutbox, id: string): Promise<Record<string, unknown>> {
  const rec = await outbox.get(id)
  if (rec === undefined) throw new Error(`submission ${id} not stored`)
  return rec.payload.fields as Record<string, unknown>
}
