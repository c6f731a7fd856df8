/**
 * The demo in a real browser (Debian's Chromium): a visitor lands with ad tags, clicks through to a
 * product page and sends its form; the emulated Bitrix24 gets a lead with the tags, the product page,
 * its title and what was typed. Without JavaScript the same form still makes a lead. The Contact Form 7
 * page goes through the WordPress stand-in and the webhook.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoredLead } from '../../src/emulator/index.ts'
import { startDemo, type Demo } from '../../src/demo/start-demo.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { waitFor } from '../helpers/wait-for.ts'

const PRODUCT_TITLE = 'Кофемашина DeLonghi Magnifica S — Демо-магазин'

describe('demo shop → relay → emulated Bitrix24, in Chromium', () => {
  let demo: Demo
  let browser: Browser

  beforeAll(async () => {
    demo = await startDemo({ ports: { relay: 0, emulator: 0, shop: 0 }, outboxUrl: 'sqlite::memory:' })
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  const leadNamed = async (name: string): Promise<StoredLead> =>
    waitFor(() => demo.emulator.leads().find((lead) => lead.fields.NAME === name), { timeoutMs: 15_000, what: `a lead for ${name}` })

  const values = (list: unknown): string[] =>
    (list as Array<{ VALUE: string, VALUE_TYPE: string }>).map((v) => `${v.VALUE_TYPE}:${v.VALUE}`)

  /** The relay holds forms sent faster than minFillMs (2 s by default) as spam: wait as long as a person would. */
  const waitLikeAPerson = async (page: Page, form: string): Promise<void> => {
    await page.waitForFunction((selector) => {
      const ts = document.querySelector<HTMLInputElement>(`${selector} input[name="_ts"]`)
      return ts !== null && Date.now() - Number(ts.value) > 2200
    }, form, { timeout: 10_000 })
  }

  it('with JavaScript: the UTM tags of the landing page, the product page and its title reach the lead', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${demo.shopUrl}/?utm_source=yandex&utm_campaign=spring`)
    await Promise.all([page.waitForURL(`${demo.shopUrl}/product/magnifica-s`), page.click('a[href="/product/magnifica-s"]')])
    expect(page.url()).not.toContain('utm_')
    // embed.js added the hidden fields from what it stored on the landing page.
    await page.waitForSelector('#order input[name="_ts"]', { state: 'attached' })
    expect(await page.inputValue('#order input[name="utm_source"]')).toBe('yandex')

    await page.fill('#name', 'Анна Тестова')
    await page.fill('#phone', '8 (912) 345-67-89')
    await page.fill('#email', 'anna@example.ru')
    await page.fill('#message', 'Нужна доставка в Самару')
    await waitLikeAPerson(page, '#order')
    await Promise.all([page.waitForURL(`${demo.shopUrl}/thanks`), page.click('#order button[type="submit"]')])

    const lead = await leadNamed('Анна Тестова')
    expect(lead.fields.UTM_SOURCE).toBe('yandex')
    expect(lead.fields.UTM_CAMPAIGN).toBe('spring')
    expect(lead.fields.UTM_MEDIUM).toBeUndefined()
    expect(lead.fields.UF_CRM_PRODUCT_URL).toBe(`${demo.shopUrl}/product/magnifica-s`)
    expect(lead.fields.UF_CRM_PRODUCT_NAME).toBe(PRODUCT_TITLE)
    expect(values(lead.fields.PHONE)).toEqual(['MOBILE:+79123456789'])
    expect(values(lead.fields.EMAIL)).toEqual(['HOME:anna@example.ru'])
    expect(lead.fields.SOURCE_ID).toBe('WEB')
    const comments = String(lead.fields.COMMENTS).split('<br>')
    expect(comments[0]).toBe('Нужна доставка в Самару')
    expect(comments).toContain(`Страница входа: ${demo.shopUrl}/?utm_source=yandex&amp;utm_campaign=spring`)

    // The leads page shows it without a reload.
    await page.goto(demo.urls.leads)
    await page.waitForSelector(`tr[data-lead-id="${lead.ID}"]`, { timeout: 10_000 })
    expect(await page.textContent(`tr[data-lead-id="${lead.ID}"]`)).toContain('Анна Тестова')
    // COMMENTS as a lead card shows it: one line per line, the escaped "&" as the character.
    const shown = await page.locator(`tr[data-lead-id="${lead.ID}"] td:last-child pre`).innerText()
    expect(shown.split('\n')[0]).toBe('Нужна доставка в Самару')
    expect(shown).toContain(`Страница входа: ${demo.shopUrl}/?utm_source=yandex&utm_campaign=spring`)
    await context.close()
  })

  it('without JavaScript: the same form still creates the lead (the typed fields; no script, no tags)', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${demo.shopUrl}/?utm_source=yandex&utm_campaign=spring`)
    await Promise.all([page.waitForURL(`${demo.shopUrl}/product/magnifica-s`), page.click('a[href="/product/magnifica-s"]')])
    expect(await page.locator('#order input[type="hidden"]').count()).toBe(0)
    await page.fill('#name', 'Пётр Без Скриптов')
    await page.fill('#phone', '+7 900 111-22-33')
    await Promise.all([page.waitForURL(`${demo.shopUrl}/thanks`), page.click('#order button[type="submit"]')])

    const lead = await leadNamed('Пётр Без Скриптов')
    expect(values(lead.fields.PHONE)).toEqual(['MOBILE:+79001112233'])
    // A cross-origin post carries only the shop's origin as Referer: the tags needed the script.
    expect(lead.fields.UTM_SOURCE).toBeUndefined()
    expect(lead.fields.UF_CRM_PRODUCT_URL).toBeUndefined()
    await context.close()
  })

  it('the fetch-submitted product form: the shop\'s origin is allowed, the answer replaces the form in place', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${demo.shopUrl}/product/kettle-k3?utm_source=vk`)
    await page.waitForSelector('#order input[name="_ts"]', { state: 'attached' })
    await page.fill('#name', 'Вера Фетчева')
    await page.fill('#phone', '+7 900 222-33-44')
    await waitLikeAPerson(page, '#order')
    await page.click('#order button[type="submit"]')
    await page.waitForSelector('.b24r-success')
    expect(await page.textContent('.b24r-success')).toBe('Спасибо! Заявка принята, менеджер перезвонит.')
    expect(page.url()).toBe(`${demo.shopUrl}/product/kettle-k3?utm_source=vk`)
    const lead = await leadNamed('Вера Фетчева')
    expect(lead.fields.UTM_SOURCE).toBe('vk')
    expect(lead.fields.UF_CRM_PRODUCT_URL).toBe(`${demo.shopUrl}/product/kettle-k3`)
    expect(lead.fields.UF_CRM_PRODUCT_NAME).toBe('Чайник K3 Steel — Демо-магазин')
    await context.close()
  })

  it('Contact Form 7: the hidden tags embed.js filled travel through the webhook into the lead', async () => {
    const context = await browser.newContext({ userAgent: 'DemoFlowTest/1.0' })
    const page = await context.newPage()
    await page.goto(`${demo.shopUrl}/?utm_source=google&utm_medium=cpc&gclid=Cj0KCQ`)
    await Promise.all([page.waitForURL(`${demo.shopUrl}/wp/magnifica-s/`), page.click('nav a[href="/wp/magnifica-s/"]')])
    await page.waitForSelector('.wpcf7-form input[name="_ts"]', { state: 'attached' })
    expect(await page.inputValue('.wpcf7-form input[name="utm_source"]')).toBe('google')

    await page.fill('input[name="your-name"]', 'Ольга Вебхукова')
    await page.fill('input[name="your-email"]', 'olga@example.ru')
    await page.fill('input[name="tel-417"]', '+7 (903) 000-11-22')
    await page.selectOption('select[name="menu-802"]', 'Доставка')
    await page.check('input[name="checkbox-55[]"][value="Перезвонить"]')
    await page.check('input[name="checkbox-55[]"][value="Написать в Telegram"]')
    await page.fill('input[name="your-subject"]', 'Сроки доставки')
    await page.fill('textarea[name="your-message"]', 'Когда привезёте?')
    await Promise.all([page.waitForURL(/\?cf7=sent/), page.click('.wpcf7-submit')])
    expect(await page.textContent('.wpcf7-response-output')).toContain('успешно отправлено')

    const lead = await leadNamed('Ольга Вебхукова')
    expect(lead.fields.TITLE).toBe('Contact Form 7: Сроки доставки — Ольга Вебхукова')
    expect(lead.fields.UTM_SOURCE).toBe('google')
    expect(lead.fields.UTM_MEDIUM).toBe('cpc')
    expect(lead.fields.UF_CRM_PRODUCT_NAME).toBe('Кофемашина DeLonghi Magnifica S')
    expect(lead.fields.UF_CRM_PRODUCT_URL).toBe(`${demo.shopUrl}/wp/magnifica-s/`)
    expect(values(lead.fields.PHONE)).toEqual(['MOBILE:+79030001122'])
    expect(values(lead.fields.EMAIL)).toEqual(['WORK:olga@example.ru'])
    const comments = String(lead.fields.COMMENTS).split('<br>')
    expect(comments[0]).toBe('Когда привезёте?')
    expect(comments).toEqual(expect.arrayContaining([
      'Что интересует: Доставка',
      'Как связаться: Перезвонить, Написать в Telegram',
      'IP-адрес: 127.0.0.1',
      'Браузер: DemoFlowTest/1.0',
      'gclid: Cj0KCQ'
    ]))
    await context.close()
  })
})
