/**
 * embed.js in Chromium against the real relay: attribution stored on the landing page (first or last
 * touch, expiry, cookie fallback), hidden fields on relay and CF7 forms only and never over the page's
 * own, forms added later, and the optional fetch submit with its success and error display.
 */
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'
import { page as html, startPageServer, type PageServer } from './page-server.ts'

describe('embed.js in a browser', () => {
  let pages: PageServer
  let app: FastifyInstance
  let outbox: SqliteOutbox
  let relay: string
  let browser: Browser
  let context: BrowserContext | undefined

  beforeAll(async () => {
    pages = await startPageServer()
    const config = buildConfig({
      forms: {
        lead: {
          fields: { name: 'NAME', phone: 'PHONE_WORK' },
          required: ['phone'],
          origins: [pages.url],
          // The fill-time check has its own tests; these forms are filled by a robot on purpose.
          minFillMs: 0,
          successUrl: `${pages.url}/thanks`
        }
      }
    }, { B24_WEBHOOK_URL: TEST_WEBHOOK })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    app = await buildApp({ config: () => config, outbox })
    await app.listen({ port: 0, host: '127.0.0.1' })
    relay = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    pages.set('/thanks', '<!doctype html><title>Спасибо</title><h1>thanks</h1>')
    browser = await launchBrowser()
  })

  afterEach(async () => {
    await context?.close()
    context = undefined
  })

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await outbox?.close()
    await pages?.close()
  })

  const open = async (options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> => {
    context = await browser.newContext(options)
    return context.newPage()
  }

  const relayForm = (attrs = '', fields = '<input name="name"><input name="phone">'): string =>
    `<form id="relay" method="post" action="${relay}/f/lead" ${attrs}>${fields}<button>Send</button></form>`

  /** The hidden fields embed.js put into a form, by name. */
  const hiddenFields = async (page: Page, form: string): Promise<Record<string, string>> => {
    await page.waitForSelector(`${form} input[name="_ts"]`, { state: 'attached' })
    return page.$$eval(`${form} input[type="hidden"]`, (inputs) =>
      Object.fromEntries((inputs as HTMLInputElement[]).map((input) => [input.name, input.value])))
  }

  it('keeps the landing page\'s tags and fills relay and CF7 forms on a later page, never over the page\'s own fields', async () => {
    pages.set('/', html(relay, 'Лендинг', '<a id="go" href="/product">товар</a>'))
    pages.set('/product', html(relay, 'Стул «Север» — Магазин',
      relayForm('', '<input name="name"><input name="utm_source" value="typed"><input type="hidden" name="utm_medium" value="">') +
      '<form id="other" method="post" action="https://elsewhere.example/f/lead"><input name="x"></form>' +
      '<form id="cf7" class="wpcf7-form init" method="post" action="/product#wpcf7-f1-o1"><input type="hidden" name="utm_campaign" ' +
      'value=""><input type="hidden" name="page_title" value="set by page"></form>'))
    const page = await open()
    await page.goto(`${pages.url}/?utm_source=yandex&utm_medium=cpc&utm_campaign=spring&yclid=4471`, { referer: 'https://yandex.ru/search/?text=stul' })
    const before = Date.now()
    await Promise.all([page.waitForURL(`${pages.url}/product`), page.click('#go')])

    const relayFields = await hiddenFields(page, '#relay')
    expect(relayFields.utm_medium).toBe('cpc') // an empty hidden field of the page is filled
    expect(await page.inputValue('#relay input[name="utm_source"]')).toBe('typed') // a visible field is never replaced
    expect(await page.locator('#relay [name="utm_source"]').count()).toBe(1)
    expect(relayFields).toMatchObject({
      utm_campaign: 'spring',
      yclid: '4471',
      page_url: `${pages.url}/product`,
      page_title: 'Стул «Север» — Магазин',
      referrer: 'https://yandex.ru/search/?text=stul',
      landing_url: `${pages.url}/?utm_source=yandex&utm_medium=cpc&utm_campaign=spring&yclid=4471`
    })
    expect(Object.keys(relayFields).sort())
      .toEqual(['_ts', 'landing_time', 'landing_url', 'page_title', 'page_url', 'referrer', 'utm_campaign', 'utm_medium', 'yclid'])
    expect(Number(relayFields._ts)).toBeGreaterThanOrEqual(before - 60_000)
    expect(new Date(relayFields.landing_time ?? '').toISOString()).toBe(relayFields.landing_time)

    const cf7 = await hiddenFields(page, '#cf7')
    expect(cf7).toMatchObject({ utm_source: 'yandex', utm_campaign: 'spring', page_title: 'set by page' })
    expect(await page.locator('#other input').count()).toBe(1)
  })

  it('last touch by default: a new tagged landing replaces the tags, an untagged internal page does not', async () => {
    pages.set('/p', html(relay, 'P', relayForm()))
    const page = await open()
    await page.goto(`${pages.url}/p?utm_source=first&utm_term=chairs`)
    await page.goto(`${pages.url}/p`)
    expect((await hiddenFields(page, '#relay')).utm_source).toBe('first')
    await page.goto(`${pages.url}/p?utm_source=second`)
    await page.goto(`${pages.url}/p`)
    const fields = await hiddenFields(page, '#relay')
    expect(fields.utm_source).toBe('second')
    // A touch is recorded whole: the earlier touch's term does not leak into the later one.
    expect(fields.utm_term).toBeUndefined()
  })

  it('first touch with data-attribution="first": the first tags stay until they expire', async () => {
    pages.set('/p', html(relay, 'P', relayForm(), 'data-attribution="first" data-expiry-days="7"'))
    const page = await open()
    await page.goto(`${pages.url}/p?utm_source=first`)
    await page.goto(`${pages.url}/p?utm_source=second`, { referer: 'https://google.com/' })
    expect((await hiddenFields(page, '#relay')).utm_source).toBe('first')
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('b24relay_attr') ?? 'null') as { t: number, exp: number })
    expect(stored.exp - stored.t).toBe(7 * 86_400_000)

    // Once expired, the record is ignored and the next landing starts a new one.
    await page.evaluate(() => {
      const rec = JSON.parse(localStorage.getItem('b24relay_attr') ?? '{}') as { exp: number }
      rec.exp = Date.now() - 1
      localStorage.setItem('b24relay_attr', JSON.stringify(rec))
    })
    await page.goto(`${pages.url}/p?utm_source=third`)
    expect((await hiddenFields(page, '#relay')).utm_source).toBe('third')
  })

  it('an expired record adds no tags at all', async () => {
    pages.set('/p', html(relay, 'P', relayForm()))
    const page = await open()
    await page.goto(`${pages.url}/p?utm_source=old`)
    await page.evaluate(() => {
      const rec = JSON.parse(localStorage.getItem('b24relay_attr') ?? '{}') as { exp: number }
      rec.exp = Date.now() - 1
      localStorage.setItem('b24relay_attr', JSON.stringify(rec))
    })
    await page.goto(`${pages.url}/p`)
    const fields = await hiddenFields(page, '#relay')
    expect(fields.utm_source).toBeUndefined()
    expect(fields.landing_url).toBe(`${pages.url}/p`)
  })

  it('falls back to a first-party cookie when localStorage throws', async () => {
    pages.set('/p', html(relay, 'P', relayForm()))
    const page = await open()
    await context!.addInitScript(() => {
      const refuse = (): never => { throw new DOMException('blocked', 'SecurityError') }
      Storage.prototype.getItem = refuse
      Storage.prototype.setItem = refuse
    })
    await page.goto(`${pages.url}/p?utm_source=cookie`)
    const cookies = await context!.cookies(pages.url)
    const cookie = cookies.find((c) => c.name === 'b24relay_attr')
    expect(cookie?.sameSite).toBe('Lax')
    expect(JSON.parse(decodeURIComponent(cookie?.value ?? '')).d.utm_source).toBe('cookie')
    await page.goto(`${pages.url}/p`)
    expect((await hiddenFields(page, '#relay')).utm_source).toBe('cookie')
  })

  it('prepares forms added after the page loaded, and a second copy of the script changes nothing', async () => {
    pages.set('/p', html(relay, 'P', '').replace('</head>', `<script src="${relay}/embed.js" defer></script></head>`))
    const page = await open()
    await page.goto(`${pages.url}/p?utm_source=late`)
    await page.waitForFunction(() => (window as unknown as { __b24relay?: number }).__b24relay === 1)
    await page.evaluate((action) => {
      const form = document.createElement('form')
      form.id = 'late'
      form.method = 'post'
      form.action = action
      document.body.appendChild(form)
    }, `${relay}/f/lead`)
    const fields = await hiddenFields(page, '#late')
    expect(fields.utm_source).toBe('late')
    expect(await page.locator('#late input[name="page_url"]').count()).toBe(1)
  })

  it('data-relay-ajax: sends with fetch and shows the success message in place', async () => {
    pages.set('/ajax', html(relay, 'AJAX', relayForm('data-relay-ajax data-relay-success="Заявка у нас!"')))
    const page = await open()
    await page.goto(`${pages.url}/ajax?utm_source=ajax`)
    await hiddenFields(page, '#relay')
    await page.fill('#relay input[name="name"]', 'Аякс')
    await page.fill('#relay input[name="phone"]', '+7 900 000-00-01')
    const answer = page.waitForResponse(`${relay}/f/lead`)
    await page.click('#relay button')
    const response = await answer
    expect(response.status()).toBe(202)
    await page.waitForSelector('.b24r-success')
    expect(await page.textContent('.b24r-success')).toBe('Заявка у нас!')
    expect(await page.isHidden('#relay')).toBe(true)
    expect(page.url()).toBe(`${pages.url}/ajax?utm_source=ajax`)
    const { id } = await response.json() as { id: string }
    const stored = await outbox.get(id)
    expect(stored?.payload.fields).toMatchObject({ NAME: 'Аякс', UTM_SOURCE: 'ajax' })
  })

  it('data-ajax on the script tag: field errors from the JSON answer appear next to their fields', async () => {
    pages.set('/errors', html(relay, 'Errors', relayForm(), 'data-ajax'))
    const page = await open()
    await page.goto(`${pages.url}/errors`)
    await hiddenFields(page, '#relay')
    await page.fill('#relay input[name="name"]', 'Без телефона')
    await page.click('#relay button')
    await page.waitForSelector('#relay .b24r-error[data-for="phone"]')
    expect(await page.textContent('#relay .b24r-error[data-for="phone"]')).toBe('Заполните это поле')
    expect(await page.getAttribute('#relay input[name="phone"]', 'aria-invalid')).toBe('true')
    expect(page.url()).toBe(`${pages.url}/errors`)

    // Corrected and sent again: the old error goes away and the form is replaced by the message.
    await page.fill('#relay input[name="phone"]', '+7 900 000-00-02')
    await page.click('#relay button')
    await page.waitForSelector('.b24r-success')
    expect(await page.locator('.b24r-error').count()).toBe(0)
    expect(await page.textContent('.b24r-success')).toBe('Спасибо! Заявка отправлена.')
  })

  it('when fetch cannot reach the relay, the form falls back to the plain post', async () => {
    pages.set('/fallback', html(relay, 'Fallback', relayForm('data-relay-ajax')))
    const page = await open()
    let aborted = 0
    await page.route(`${relay}/f/lead`, async (route) => {
      if (route.request().resourceType() === 'fetch' && aborted++ === 0) return route.abort('connectionreset')
      return route.continue()
    })
    await page.goto(`${pages.url}/fallback`)
    await hiddenFields(page, '#relay')
    await page.fill('#relay input[name="name"]', 'Запасной путь')
    await page.fill('#relay input[name="phone"]', '+7 900 000-00-03')
    const pendingBefore = (await outbox.stats()).pending
    // Only an accepted post is redirected to the form's thank-you page.
    await Promise.all([page.waitForURL(`${pages.url}/thanks`), page.click('#relay button')])
    expect(aborted).toBe(1)
    expect((await outbox.stats()).pending).toBe(pendingBefore + 1)
  })
})
