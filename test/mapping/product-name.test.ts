import { describe, expect, it } from 'vitest'
import { commentLines, run } from './helpers.ts'

const CF7 = {
  _post_title: 'Кофемашина DeLonghi Magnifica S',
  page_title: 'Кофемашина DeLonghi Magnifica S — Магазин',
  'your-name': 'Иван'
}

describe('productName: the product name from _post_title or page_title', () => {
  it('is off unless configured: the titles stay readable COMMENTS lines', () => {
    const result = run({ fields: { 'your-name': 'NAME' } }, CF7)
    expect(result.fields.UF_CRM_PRODUCT).toBeUndefined()
    expect(commentLines(result)).toEqual([
      'Заголовок страницы: Кофемашина DeLonghi Magnifica S',
      'Заголовок страницы: Кофемашина DeLonghi Magnifica S — Магазин'
    ])
  })

  it('with a target: the first posted source goes there, the other sources name the same thing and are not repeated', () => {
    const result = run({ fields: { 'your-name': 'NAME' }, productName: { target: 'UF_CRM_PRODUCT' } }, CF7)
    expect(result.fields.UF_CRM_PRODUCT).toBe('Кофемашина DeLonghi Magnifica S')
    expect(commentLines(result)).toEqual([])
  })

  it('without a target: one "Товар" line; sources are configurable and an empty source is skipped', () => {
    const result = run({ productName: { sources: ['page_title', '_post_title'] }, language: 'en' },
      { page_title: '  ', _post_title: 'Chair\n  Oak', name: 'Ann' })
    expect(commentLines(result)).toEqual(['name: Ann', 'Product: Chair Oak'])
  })

  it('a field the form maps explicitly is not a source', () => {
    const result = run({ fields: { _post_title: 'UF_CRM_TITLE' }, productName: { target: 'UF_CRM_PRODUCT' } }, CF7)
    expect(result.fields.UF_CRM_TITLE).toBe('Кофемашина DeLonghi Magnifica S')
    expect(result.fields.UF_CRM_PRODUCT).toBe('Кофемашина DeLonghi Magnifica S — Магазин')
  })

  it('the fields embed.js adds get readable labels', () => {
    const result = run({}, {
      referrer: 'https://yandex.ru/search/?text=кофемашина',
      landing_url: 'https://shop.example/?utm_source=yandex',
      landing_time: '2025-03-14T06:01:00.000Z',
      _ts: '1741932060000'
    })
    expect(commentLines(result)).toEqual([
      'Откуда пришёл: https://yandex.ru/search/?text=кофемашина',
      'Страница входа: https://shop.example/?utm_source=yandex',
      'Время перехода: 2025-03-14T06:01:00.000Z'
    ])
  })
})

describe('product page: the CF7 REST endpoint is never the product page', () => {
  it('a degraded _url (no Referer) is skipped for _post_url', () => {
    const result = run({ productUrl: { sources: ['page_url', '_url', '_post_url'], target: 'UF_CRM_URL' } }, {
      _url: 'https://shop.example/wp-json/contact-form-7/v1/contact-forms/12/feedback',
      _post_url: 'https://shop.example/product/chair/'
    })
    expect(result.fields.UF_CRM_URL).toBe('https://shop.example/product/chair/')
    // An address no visitor saw is not written into COMMENTS either.
    expect(commentLines(result)).toEqual([])
  })
})
