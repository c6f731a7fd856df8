/**
 * The whole path over real HTTP: relay (listening) → SQLite outbox → delivery worker → Bitrix24
 * emulator. Asserts the exact fields the emulated portal stored for every body kind.
 */
import iconv from 'iconv-lite'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('relay → emulator, end to end', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let base: string

  beforeAll(async () => {
    emulator = await startEmulator()
    const config = buildConfig({
      forms: {
        shop: {
          name: 'Магазин',
          portal: 'default',
          fields: {
            'your-name': 'NAME',
            'your-phone': 'PHONE_MOBILE',
            'your-email': 'EMAIL_HOME',
            skype: 'M_SKYPE',
            site: 'WEB',
            budget: 'OPPORTUNITY',
            currency: 'CURRENCY_ID'
          },
          defaults: { SOURCE_ID: 'WEB', ASSIGNED_BY_ID: 7 },
          title: 'Заявка с сайта: {{your-subject}}',
          productUrl: { sources: ['product_url', 'page_url', '_url'], target: 'UF_CRM_PRODUCT_URL' }
        },
        legacy: { name: 'Old site', portal: 'default', charset: 'windows-1251', fields: { fio: 'NAME', tel: 'PHONE_WORK' } }
      }
    }, { B24_WEBHOOK_URL: emulator.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const logger = pino({ level: 'silent' })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger, onAccepted: id => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    worker.start()
  })

  afterAll(async () => {
    await app.close()
    await worker.stop()
    await outbox.close()
    await emulator.close()
  })

  async function post (path: string, body: string, contentType: string, headers: Record<string, string> = {}): Promise<string> {
    const res = await fetch(base + path, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, accept: 'application/json', ...headers }
    })
    expect(res.status).toBe(202)
    return ((await res.json()) as { id: string }).id
  }

  async function delivered (id: string): Promise<Record<string, unknown>> {
    const lead = await waitFor(() => emulator.leads().find(l => l.fields.ORIGIN_ID === id), { what: `lead with ORIGIN_ID ${id}` })
    return lead.fields
  }

  it('the curl from the README: urlencoded with raw UTF-8 and a "+" phone', async () => {
    const id = await post('/f/default', 'name=Иван&phone=+7 900 123-45-67&utm_source=yandex', 'application/x-www-form-urlencoded')
    const f = await delivered(id)
    expect(f.NAME).toBe('Иван')
    expect(f.UTM_SOURCE).toBe('yandex')
    expect(f.SOURCE_ID).toBe('WEB')
    expect(f.ORIGINATOR_ID).toBe('b24-form-relay')
    expect((f.PHONE as Array<{ VALUE: string, VALUE_TYPE: string }>).map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['+79001234567', 'WORK']])
    expect(f.TITLE).toMatch(/Иван/)
    const rec = await waitFor(async () => { const r = await outbox.get(id); return r?.status === 'delivered' ? r : undefined })
    expect(rec.leadId).toBeGreaterThan(0)
  })

  it('multifields, UTM from the product URL, the product URL without utm tags, unmapped fields in COMMENTS (JSON body)', async () => {
    const id = await post('/f/shop', JSON.stringify({
      'your-name': 'Анна',
      'your-phone': '8 (912) 345-67-89',
      'your-email': 'anna@example.ru',
      skype: 'anna.s',
      site: 'https://anna.example',
      'your-subject': 'Диван',
      budget: '1 500,50',
      currency: 'rub',
      product_url: 'https://shop.example/sofa?id=5&utm_source=google&utm_medium=cpc&utm_campaign=spring',
      delivery: 'Курьер',
      'your-message': '<b>Срочно</b>'
    }), 'application/json')
    const f = await delivered(id)
    expect(f.TITLE).toBe('Заявка с сайта: Диван')
    expect(f.NAME).toBe('Анна')
    expect((f.PHONE as Array<{ VALUE: string, VALUE_TYPE: string }>).map(p => [p.VALUE, p.VALUE_TYPE]))
      .toEqual([['+79123456789', 'MOBILE']])
    expect((f.EMAIL as Array<{ VALUE: string, VALUE_TYPE: string }>).map(p => [p.VALUE, p.VALUE_TYPE]))
      .toEqual([['anna@example.ru', 'HOME']])
    expect((f.IM as Array<{ VALUE: string, VALUE_TYPE: string }>).map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['anna.s', 'SKYPE']])
    expect((f.WEB as Array<{ VALUE: string, VALUE_TYPE: string }>).map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['https://anna.example', 'WORK']])
    expect(Number(f.OPPORTUNITY)).toBe(1500.5)
    expect(f.CURRENCY_ID).toBe('RUB')
    expect(Number(f.ASSIGNED_BY_ID)).toBe(7)
    expect(f.UTM_SOURCE).toBe('google')
    expect(f.UTM_MEDIUM).toBe('cpc')
    expect(f.UTM_CAMPAIGN).toBe('spring')
    expect(f.UF_CRM_PRODUCT_URL).toBe('https://shop.example/sofa?id=5')
    expect(f.COMMENTS).toContain('delivery: Курьер')
    expect(f.COMMENTS).toContain('&lt;b&gt;Срочно&lt;/b&gt;')
    expect(f.COMMENTS).not.toContain('<b>')
  })

  it('Cyrillic from a windows-1251 form', async () => {
    const enc = (s: string): string => [...iconv.encode(s, 'win1251')].map(b => '%' + b.toString(16).padStart(2, '0')).join('')
    const id = await post(
      '/f/legacy',
      `fio=${enc('Семёнов Пётр')}&tel=${enc('8 495 123-45-67')}&${enc('город')}=${enc('Тверь')}`,
      'application/x-www-form-urlencoded'
    )
    const f = await delivered(id)
    expect(f.NAME).toBe('Семёнов Пётр')
    expect((f.PHONE as Array<{ VALUE: string }>)[0]?.VALUE).toBe('+74951234567')
    expect(f.COMMENTS).toContain('город: Тверь')
  })

  it('a Contact Form 7 webhook payload (text/plain fallback) with special tags', async () => {
    const body = '{"_url":"https:\\/\\/shop.example\\/p\\/x\\/?utm_source=ya&utm_campaign=sale","_remote_ip":"203.0.113.7",' +
      '"_user_agent":"Mozilla\\/5.0","your-name":"\\u0418\\u0432\\u0430\\u043d","your-phone":"+7 900 000-00-00",' +
      '"your-subject":"\\u0412\\u043e\\u043f\\u0440\\u043e\\u0441","options":["A","B"]}'
    const id = await post('/f/shop', body, 'text/plain')
    const f = await delivered(id)
    expect(f.NAME).toBe('Иван')
    expect(f.TITLE).toBe('Заявка с сайта: Вопрос')
    expect(f.UTM_SOURCE).toBe('ya')
    expect(f.UTM_CAMPAIGN).toBe('sale')
    expect(f.UF_CRM_PRODUCT_URL).toBe('https://shop.example/p/x/')
    expect(f.COMMENTS).toContain('A, B')
    expect(f.COMMENTS).toContain('203.0.113.7')
    expect(f.COMMENTS).toContain('Mozilla/5.0')
  })

  it('multipart text parts; UTM from the Referer when nothing else carries them', async () => {
    const boundary = 'e2eBoundary'
    const body = [
      `--${boundary}`,
      'Content-Disposition: form-data; name="your-name"',
      '',
      'Ольга',
      `--${boundary}`,
      'Content-Disposition: form-data; name="your-phone"',
      '',
      '+7 913 111 22 33',
      `--${boundary}--`,
      ''
    ].join('\r\n')
    const id = await post('/f/shop', body, `multipart/form-data; boundary=${boundary}`, { referer: 'https://shop.example/landing?utm_source=vk&utm_term=' + encodeURIComponent('диван') })
    const f = await delivered(id)
    expect(f.NAME).toBe('Ольга')
    expect(f.UTM_SOURCE).toBe('vk')
    expect(f.UTM_TERM).toBe('диван')
  })

  it('a browser post is answered 303 and still delivered', async () => {
    const res = await fetch(base + '/f/default', {
      method: 'POST',
      redirect: 'manual',
      body: 'name=Browser&email=b%40example.com',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }
    })
    expect(res.status).toBe(303)
    const lead = await waitFor(() => emulator.leads().find(l => l.fields.NAME === 'Browser'))
    expect((lead.fields.EMAIL as Array<{ VALUE: string }>)[0]?.VALUE).toBe('b@example.com')
  })
})
