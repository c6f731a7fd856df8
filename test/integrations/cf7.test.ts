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

/** One request exactly as CF7 to Webhook 4.1.0 sent it (see test/fixtures/cf7-captured/README.md). */
interface CapturedRequest { method: string, headers: Record<string, string>, raw_body: string }
const CAPTURED_FILE = fileURLToPath(new URL('../fixtures/cf7-captured/cf7-to-webhook-request.json', import.meta.url))
const CAPTURED = JSON.parse(readFileSync(CAPTURED_FILE, 'utf8')) as CapturedRequest
const SECRET = CAPTURED.headers['x-relay-secret'] as string
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

const fixtureNames = readdirSync(FIXTURES).filter(
  (f) => f.endsWith('.json') && !f.endsWith('.lead.json')
).map((f) => f.slice(0, -'.json'.length)).sort()

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

  /** Replays the captured request (headers and body byte for byte), with `edit` applied to its JSON text. */
  async function replayCaptured (edit: (body: string) => string = (body) => body): Promise<Record<string, unknown>> {
    const body = edit(CAPTURED.raw_body)
    const res = await fetch(`${base}/f/cf7`, { method: CAPTURED.method, body, headers: CAPTURED.headers })
    expect(res.status).toBe(202)
    const { id } = await res.json() as { id: string }
    const lead = await waitFor(() => emulator.leads().find((l) => l.fields.ORIGIN_ID === id), { what: 'the lead of the captured request' })
    return sentFields(lead)
  }

  /** Sets one key of the PHP-encoded JSON body to a new JSON-encoded value, keeping every other byte. */
  const setKey = (key: string, value: string) => (body: string): string => {
    const at = body.indexOf(`"${key}":"`)
    if (at < 0) throw new Error(`the captured body has no ${key}`)
    const start = at + key.length + 4
    const end = body.indexOf('"', start)
    return body.slice(0, start) + JSON.stringify(value).slice(1, -1).replace(/\//g, '\\/') + body.slice(end)
  }

  const CAPTURED_LEAD = {
    NAME: 'Анна Петрова',
    PHONE: [{ VALUE: '+79001234567', VALUE_TYPE: 'MOBILE' }],
    EMAIL: [{ VALUE: 'anna.petrova@example.ru', VALUE_TYPE: 'WORK' }],
    UF_CRM_PRODUCT_NAME: 'Кофемашина DeLonghi Magnifica S',
    UF_CRM_PRODUCT_URL: 'http://127.0.0.1:19010/kofemashina-magnifica-s/',
    UTM_SOURCE: 'yandex',
    UTM_MEDIUM: 'cpc',
    UTM_CAMPAIGN: 'spring',
    SOURCE_ID: 'WEB',
    TITLE: 'Заявка с сайта: Анна Петрова',
    // COMMENTS is HTML: lines joined by <br>, the visitor's & < > escaped (DESIGN.md §4).
    COMMENTS: [
      'Хочу чёрную, доставка после 18:00',
      '',
      'IP-адрес: 127.0.0.1',
      'Браузер: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36',
      'Выбор из списка: Самовывоз',
      'Отмечено: Звонок, Telegram',
      'Файл: http://127.0.0.1:19010/wp-content/uploads/cf7-to-webhook-uploads/5/6b11909e738e9/file-1-upload-test.txt',
      'Согласие на обработку данных: 1',
      'Страница входа: http://127.0.0.1:19010/?utm_source=yandex&amp;utm_medium=cpc&amp;utm_campaign=spring'
    ].join('<br>'),
    ORIGINATOR_ID: 'b24-form-relay'
  }

  it('the captured CF7 to Webhook request becomes exactly this lead: each value once, in its field', async () => {
    expect(await replayCaptured()).toEqual(CAPTURED_LEAD)
  })

  it('plain permalinks and no Referer: the rest_route endpoint is skipped for _post_url and written nowhere', async () => {
    const endpoint = 'http://127.0.0.1:19010/index.php?rest_route=/contact-form-7/v1/contact-forms/5/feedback'
    const lead = await replayCaptured((body) => setKey('page_url', '')(setKey('_url', endpoint)(
      setKey('_post_url', 'http://127.0.0.1:19010/?p=7')(body))))
    expect(lead.UF_CRM_PRODUCT_URL).toBe('http://127.0.0.1:19010/?p=7')
    expect(String(lead.COMMENTS)).not.toMatch(/rest_route|contact-form-7/)
    expect(lead).toEqual({ ...CAPTURED_LEAD, UF_CRM_PRODUCT_URL: 'http://127.0.0.1:19010/?p=7' })
  })

  it('a filled [hidden product-url] with utm tags is the product page, stored without them', async () => {
    const lead = await replayCaptured(setKey('product-url',
      'http://127.0.0.1:19010/kofemashina-magnifica-s/?color=black&utm_source=vk&utm_campaign=retarget&utm_content=banner'))
    // The visitor's own utm_* fields win; the product page's tags fill only what they left empty.
    const page = 'http://127.0.0.1:19010/kofemashina-magnifica-s/?color=black'
    expect(lead).toEqual({ ...CAPTURED_LEAD, UF_CRM_PRODUCT_URL: page, UTM_CONTENT: 'banner' })
  })

  const odd = ['anna..petrova@example.ru', 'anna@example.r', '.anna@mail.ru']
  it.each(odd)('an odd e-mail CF7 accepted (%s) is kept as typed, and the lead is delivered', async (email) => {
    const lead = await replayCaptured(setKey('your-email', email))
    const { EMAIL: _email, ...rest } = CAPTURED_LEAD
    const note = `your-email: '${email}' не удалось использовать как адрес e-mail`
    expect(lead).toEqual({ ...rest, COMMENTS: CAPTURED_LEAD.COMMENTS.replace('<br>Выбор из списка', `<br>${note}<br>Выбор из списка`) })
  })

  it('a post without the secret header is refused and creates nothing', async () => {
    const before = emulator.leads().length
    const res = await fetch(`${base}/f/cf7`, {
      method: 'POST',
      body: readFileSync(`${FIXTURES}contact-default.json`),
      headers: WP_HEADERS
    })
    // The guide's config wires B24_WEBHOOK_URL itself: no secret-less `default` form is opened beside it.
    expect((await fetch(`${base}/f/default`, { method: 'POST', body: '{"name":"x"}', headers: WP_HEADERS })).status).toBe(404)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RELAY_ERR_UNAUTHENTICATED_SOURCE')
    expect((await outbox.stats()).pending).toBe(0)
    expect(emulator.leads().length).toBe(before)
  })
})
