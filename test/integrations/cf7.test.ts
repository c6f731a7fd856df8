/**
 * Contact Form 7 through "CF7 to Webhook": every real-shaped plugin body in test/fixtures/cf7 is posted
 * to the relay running with the configuration docs/cf7.md shows, delivered to the Bitrix24 emulator,
 * and the crm.lead.add fields the portal received are compared with the fixture's .lead.json.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { loadConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator, type StoredLead } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'

const FIXTURES = fileURLToPath(new URL('../fixtures/cf7/', import.meta.url))
const DOC = fileURLToPath(new URL('../../docs/cf7.md', import.meta.url))
const SECRET = 'cf7-fixture-secret-0123456789'
const WP_HEADERS = { 'content-type': 'application/json; charset=UTF-8', 'user-agent': 'WordPress/6.8; https://shop.example.ru' }

/** The ```yaml block that follows the cf7-config marker in docs/cf7.md. */
function documentedConfig (markdown: string): string {
  const match = /<!-- cf7-config[^>]*-->\s*```yaml\n([\s\S]*?)```/.exec(markdown)
  if (match?.[1] === undefined) throw new Error('docs/cf7.md has no cf7-config yaml block')
  return match[1]
}

/** The crm.lead.add fields the portal received, without ORIGIN_ID (the submission id differs per run). */
function sentFields (lead: StoredLead): Record<string, unknown> {
  const { ORIGIN_ID: _origin, ...fields } = lead.sent
  return fields
}

/** What the portal kept of a field: multifield values lose the ID the portal gave them. */
function kept (lead: StoredLead, field: string): unknown {
  const value = lead.fields[field]
  if (!Array.isArray(value)) return value
  return (value as Array<Record<string, unknown>>).map(({ ID: _id, ...rest }) => rest)
}

const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.json') && !f.endsWith('.lead.json')).map((f) => f.slice(0, -'.json'.length)).sort()

describe('CF7 to Webhook payloads → relay (configured as docs/cf7.md says) → Bitrix24 emulator', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    emulator = await startEmulator()
    const yaml = documentedConfig(readFileSync(DOC, 'utf8'))
    const config = loadConfig({ env: { B24_WEBHOOK_URL: emulator.webhookUrl, CF7_WEBHOOK_SECRET: SECRET }, readFile: () => yaml })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const logger = pino({ level: 'silent' })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger, onAccepted: (id) => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    worker.start()
  })

  afterAll(async () => {
    await app?.close()
    await worker?.stop()
    await outbox?.close()
    await emulator?.close()
  })

  it('has fixtures to check', () => {
    expect(fixtureNames).toEqual(['contact-default', 'file-content', 'file-url', 'no-referer', 'product-order'])
  })

  it.each(fixtureNames)('%s: the plugin body becomes exactly the lead in its .lead.json', async (name) => {
    const body = readFileSync(`${FIXTURES}${name}.json`)
    // Real plugin bodies: PHP json_encode escapes, no raw non-ASCII bytes.
    expect(body.toString('latin1')).toMatch(/^[\x20-\x7e\n]*$/)
    const expected = JSON.parse(readFileSync(`${FIXTURES}${name}.lead.json`, 'utf8')) as Record<string, unknown>
    // The fixtures write COMMENTS one line per "\n"; the relay sends HTML line breaks (DESIGN.md §4).
    if (typeof expected.COMMENTS === 'string') expected.COMMENTS = expected.COMMENTS.split('\n').join('<br>')

    const res = await fetch(`${base}/f/cf7`, { method: 'POST', body, headers: { ...WP_HEADERS, 'x-relay-secret': SECRET } })
    expect(res.status).toBe(202)
    const { id } = await res.json() as { id: string }
    const lead = await waitFor(() => emulator.leads().find((l) => l.fields.ORIGIN_ID === id), { what: `the lead of ${name}` })
    expect(sentFields(lead)).toEqual(expected)
    // The portal kept every field the relay sent (Bitrix24 silently drops unknown ones).
    for (const field of Object.keys(expected)) expect(kept(lead, field), field).toEqual(expected[field])
  })

  it('a post without the secret header is refused and creates nothing', async () => {
    const before = emulator.leads().length
    const res = await fetch(`${base}/f/cf7`, { method: 'POST', body: readFileSync(`${FIXTURES}contact-default.json`), headers: WP_HEADERS })
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RELAY_ERR_UNAUTHENTICATED_SOURCE')
    expect((await outbox.stats()).pending).toBe(0)
    expect(emulator.leads().length).toBe(before)
  })
})
