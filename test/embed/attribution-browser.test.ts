/**
 * The site's own analytics in Chromium, end to end: a shop on its own origin with Google Analytics,
 * Yandex Metrica and Roistat cookies and Bitrix24's tracker, a visitor landing from an ad, two more
 * pages, then a plain form post (and the same through a Contact Form 7 form and its webhook). The
 * emulated portal's lead holds the UTM fields, the product page, the click id, TRACE, the three ids
 * and the visited pages.
 */
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { webhookBody, phpPostedValues, sendWebhook, type Cf7Tag } from '../../src/demo/wordpress.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator, type StoredLead } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startPageServer, type PageServer } from './page-server.ts'

const CF7_SECRET = 'cf7-secret-for-tests'
const HIDDEN = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'gclid', 'yclid', 'fbclid', 'page_url',
  'page_title', 'b24_trace', 'ga_client_id', 'ym_client_id', 'roistat_visit', 'visited_pages']
const CF7_TAGS: Cf7Tag[] = [
  { name: 'your-name', type: 'text' }, { name: 'tel-417', type: 'tel' }, ...HIDDEN.map((name) => ({ name, type: 'hidden' as const }))
]

describe('embed.js: analytics ids, the Bitrix24 trace and the visited pages reach the lead', () => {
  let pages: PageServer
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let relay: string
  let browser: Browser
  let context: BrowserContext | undefined

  beforeAll(async () => {
    pages = await startPageServer()
    emulator = await startEmulator({ rateLimit: false })
    const config = buildConfig({
      forms: {
        shop: {
          fields: { name: 'NAME', phone: 'PHONE_MOBILE' },
          productUrl: { target: 'UF_CRM_PRODUCT_URL' },
          analytics: { gaClientId: 'UF_CRM_GA_CLIENT_ID', ymClientId: 'UF_CRM_YM_CLIENT_ID' },
          origins: [pages.url],
          // The fill-time check has its own tests; a robot fills these forms on purpose.
          minFillMs: 0,
          successUrl: `${pages.url}/thanks`
        },
        cf7: {
          language: 'en',
          fields: { 'your-name': 'NAME', 'tel-*': 'PHONE_MOBILE' },
          productUrl: { sources: ['page_url', '_url'], target: 'UF_CRM_PRODUCT_URL' },
          analytics: { roistatVisit: 'UF_CRM_ROISTAT' },
          secret: CF7_SECRET
        }
      }
    }, { B24_WEBHOOK_URL: emulator.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const logger = pino({ level: 'silent' })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger, onAccepted: (id) => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    relay = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    worker.start()
    browser = await launchBrowser()

    pages.set('/', shopPage('Магазин мебели', '<a id="next" href="/catalog/">Каталог</a>'))
    pages.set('/catalog/', shopPage('Каталог — Магазин мебели',
      '<a id="next" href="/product/stul?color=red#reviews">Стул</a><a id="wp" href="/wp/stul/">Стул (WordPress)</a>'))
    pages.set('/product/stul', shopPage('Стул «Север» — Магазин мебели',
      `<form id="order" method="post" action="${relay}/f/shop"><input name="name"><input name="phone"><button>Заказать</button></form>`))
    pages.set('/wp/stul/', shopPage('Стул «Север» — WordPress',
      '<form id="cf7" class="wpcf7-form init" method="post" action="/wp/stul/"><input name="your-name"><input name="tel-417">' +
      HIDDEN.map((name) => `<input type="hidden" name="${name}" value="">`).join('') +
      '<input type="submit" class="wpcf7-submit" value="Send"></form>'))
    pages.set('/thanks', '<!doctype html><title>Спасибо</title><h1>thanks</h1>')
    // WordPress with Contact Form 7 and "CF7 to Webhook": the plugin's JSON body, sent server to server.
    pages.onPost('/wp/stul/', async (body, headers) => {
      const posted = phpPostedValues(Object.fromEntries(new URLSearchParams(body)))
      const { json } = webhookBody(CF7_TAGS, posted, {
        _url: typeof headers.referer === 'string' ? headers.referer : `${pages.url}/wp/stul/`,
        _post_title: 'Стул «Север»',
        _post_url: `${pages.url}/wp/stul/`,
        _remote_ip: '127.0.0.1',
        _user_agent: String(headers['user-agent'] ?? '')
      })
      const sent = await sendWebhook(`${relay}/f/cf7`, json, { 'x-relay-secret': CF7_SECRET })
      return `/wp/stul/?cf7=${sent.ok ? 'sent' : 'failed'}`
    })
  })

  afterEach(async () => {
    await context?.close()
    context = undefined
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await worker?.stop()
    await outbox?.close()
    await emulator?.close()
    await pages?.close()
  })

  /**
   * A shop page with Bitrix24's tracker, stubbed: it starts only at `load` (after embed.js has prepared
   * the forms), and its trace names the page it was asked on, so a trace read at landing would show.
   */
  function shopPage (title: string, body: string, script = ''): string {
    return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title>
<script src="${relay}/embed.js" defer ${script}></script>
<script>addEventListener('load', function () {
  window.b24Tracker = { guest: { getTrace: function () {
    return JSON.stringify({ url: location.href, ref: document.referrer, device: { isMobile: false },
      tags: { ts: 1700000000, list: { utm_source: 'yandex' } } })
  } } }
})</script></head><body>${body}</body></html>`
  }

  const open = async (): Promise<Page> => {
    context = await browser.newContext()
    await context.addCookies([
      { name: '_ga', value: 'GA1.1.987654321.1700000000', url: pages.url },
      { name: '_ym_uid', value: '1700000000123456789', url: pages.url },
      { name: 'roistat_visit', value: '4471', url: pages.url }
    ])
    return context.newPage()
  }

  /** Lands from a Yandex ad, then visits the catalog: two pages before the one with the form. */
  const landAndBrowse = async (page: Page): Promise<void> => {
    await page.goto(`${pages.url}/?utm_source=yandex&utm_medium=cpc&utm_campaign=spring&yclid=7716049321`, { referer: 'https://yandex.ru/' })
    await page.waitForFunction(() => localStorage.getItem('b24relay_pages') !== null)
    await Promise.all([page.waitForURL(`${pages.url}/catalog/`), page.click('#next')])
    await page.waitForFunction(() => (localStorage.getItem('b24relay_pages') ?? '').includes('/catalog/'))
  }

  const leadNamed = async (name: string): Promise<StoredLead> =>
    await waitFor(() => emulator.leads().find((lead) => lead.fields.NAME === name), { timeoutMs: 15_000, what: `a lead for ${name}` })

  const visitedBlock = (comments: string[], heading: string): string[] => {
    const at = comments.indexOf(heading)
    expect(at).toBeGreaterThanOrEqual(0)
    return comments.slice(at + 1, at + 4)
  }

  it('a plain form post: UTM_*, the product page, the yclid, TRACE, the three ids and the visited pages', async () => {
    const page = await open()
    await landAndBrowse(page)
    await Promise.all([page.waitForURL(`${pages.url}/product/stul?color=red#reviews`), page.click('#next')])
    await page.waitForSelector('#order input[name="_ts"]', { state: 'attached' })
    // Nothing is read before sending: the tracker and the ids are added at submit time.
    expect(await page.locator('#order input[name="b24_trace"]').count()).toBe(0)
    await page.fill('#order input[name="name"]', 'Анна Трекерова')
    await page.fill('#order input[name="phone"]', '+7 900 555-44-33')
    await Promise.all([page.waitForURL(`${pages.url}/thanks`), page.click('#order button')])

    const lead = await leadNamed('Анна Трекерова')
    const f = lead.fields
    expect(f).toMatchObject({ UTM_SOURCE: 'yandex', UTM_MEDIUM: 'cpc', UTM_CAMPAIGN: 'spring' })
    expect(f.UF_CRM_PRODUCT_URL).toBe(`${pages.url}/product/stul?color=red`)
    expect(f.UF_CRM_GA_CLIENT_ID).toBe('987654321.1700000000')
    expect(f.UF_CRM_YM_CLIENT_ID).toBe('1700000000123456789')
    const trace = JSON.parse(String(f.TRACE)) as { url: string }
    expect(trace.url).toBe(`${pages.url}/product/stul?color=red#reviews`)
    expect(emulator.traces()).toEqual([expect.objectContaining({ via: 'add', ENTITIES: [{ TYPE: 'LEAD', ID: lead.ID }] })])

    const comments = String(f.COMMENTS).split('<br>')
    expect(comments).toEqual(expect.arrayContaining(['yclid: 7716049321', 'Визит Roistat: 4471']))
    const visited = visitedBlock(comments, 'Просмотренные страницы:')
    expect(visited.map((line) => line.replace(/ \(.*\)$/, ''))).toEqual([
      `1. Магазин мебели — ${pages.url}/`,
      `2. Каталог — Магазин мебели — ${pages.url}/catalog/`,
      `3. Стул «Север» — Магазин мебели — ${pages.url}/product/stul`
    ])
    expect(visited.every((line) => /\((за \d+ мин|меньше чем за минуту) до отправки\)$/.test(line))).toBe(true)
    // Path only: no tags, no query, no fragment in the list.
    expect(visited.join('\n')).not.toMatch(/utm_|yclid|\?|#/)
  })

  it('the same through a Contact Form 7 form and its webhook, into an English form', async () => {
    const page = await open()
    await landAndBrowse(page)
    await Promise.all([page.waitForURL(`${pages.url}/wp/stul/`), page.click('#wp')])
    await page.waitForSelector('#cf7 input[name="_ts"]', { state: 'attached' })
    await page.fill('#cf7 input[name="your-name"]', 'Olga Webhook')
    await page.fill('#cf7 input[name="tel-417"]', '+7 903 000-11-22')
    await Promise.all([page.waitForURL(/\?cf7=sent$/), page.click('#cf7 .wpcf7-submit')])

    const lead = await leadNamed('Olga Webhook')
    const f = lead.fields
    expect(f).toMatchObject({ UTM_SOURCE: 'yandex', UTM_MEDIUM: 'cpc', UTM_CAMPAIGN: 'spring', UF_CRM_ROISTAT: '4471' })
    expect(f.UF_CRM_PRODUCT_URL).toBe(`${pages.url}/wp/stul/`)
    expect((JSON.parse(String(f.TRACE)) as { url: string }).url).toBe(`${pages.url}/wp/stul/`)
    const comments = String(f.COMMENTS).split('<br>')
    expect(comments).toEqual(expect.arrayContaining([
      'yclid: 7716049321',
      'Google Analytics client ID: 987654321.1700000000',
      'Yandex Metrica ClientID: 1700000000123456789'
    ]))
    expect(visitedBlock(comments, 'Visited pages:').map((line) => line.replace(/ \(.*\)$/, ''))).toEqual([
      `1. Магазин мебели — ${pages.url}/`,
      `2. Каталог — Магазин мебели — ${pages.url}/catalog/`,
      `3. Стул «Север» — WordPress — ${pages.url}/wp/stul/`
    ])
  })

  it('data-visited="off": no pages are kept or sent; the ids and the trace still are', async () => {
    const form = `<form id="order" method="post" action="${relay}/f/shop"><input name="name"><button>Send</button></form>`
    pages.set('/off/', shopPage('Без истории', form, 'data-visited="off"'))
    const page = await open()
    await page.goto(`${pages.url}/off/?utm_source=vk`)
    await page.waitForSelector('#order input[name="_ts"]', { state: 'attached' })
    expect(await page.evaluate(() => localStorage.getItem('b24relay_pages'))).toBeNull()
    await page.fill('#order input[name="name"]', 'Без Истории')
    await Promise.all([page.waitForURL(`${pages.url}/thanks`), page.click('#order button')])
    const f = (await leadNamed('Без Истории')).fields
    expect(f.UTM_SOURCE).toBe('vk')
    expect(f.UF_CRM_GA_CLIENT_ID).toBe('987654321.1700000000')
    expect(typeof f.TRACE).toBe('string')
    expect(String(f.COMMENTS)).not.toContain('Просмотренные страницы')
  })

  it('without JavaScript the form still makes a lead; only these extras are missing', async () => {
    context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${pages.url}/product/stul`)
    await page.fill('#order input[name="name"]', 'Пётр Без Скриптов')
    await page.fill('#order input[name="phone"]', '+7 900 111-22-33')
    await Promise.all([page.waitForURL(`${pages.url}/thanks`), page.click('#order button')])
    const f = (await leadNamed('Пётр Без Скриптов')).fields
    expect(f.TRACE).toBeUndefined()
    expect(f.UF_CRM_GA_CLIENT_ID).toBeUndefined()
  })
})
