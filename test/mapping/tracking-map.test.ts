import { describe, expect, it } from 'vitest'
import { commentLines, run } from './helpers.ts'

const PRODUCT = 'https://shop.example.ru/catalog/kofemashina/?id=5&utm_source=yandex&utm_medium=cpc&utm_campaign=coffee_spring&yclid=7716049321'

describe('mapSubmission: product URL', () => {
  it('stores the product URL without its UTM tags and uses them as UTM values (the CF7 question)', () => {
    const result = run({ fields: { 'your-name': 'NAME' } }, { 'your-name': 'Светлана', product_url: PRODUCT })
    expect(result.fields).toMatchObject({ UTM_SOURCE: 'yandex', UTM_MEDIUM: 'cpc', UTM_CAMPAIGN: 'coffee_spring' })
    expect(commentLines(result)).toEqual([
      'Страница товара: https://shop.example.ru/catalog/kofemashina/?id=5',
      'yclid: 7716049321'
    ])
  })

  it('writes the product URL to a UF_CRM_ field when configured, in English forms too', () => {
    const result = run({ language: 'en', productUrl: { target: 'UF_CRM_PRODUCT_URL' } }, { product_url: PRODUCT })
    expect(result.fields.UF_CRM_PRODUCT_URL).toBe('https://shop.example.ru/catalog/kofemashina/?id=5')
    expect(commentLines(result)).toEqual(['yclid: 7716049321'])
  })

  it('labels the COMMENTS line in English for English forms', () => {
    const result = run({ language: 'en' }, { page_url: 'https://example.com/pricing' })
    expect(result.fields.COMMENTS).toBe('Product page: https://example.com/pricing')
  })

  it('takes the first configured source that holds a URL; the others stay lines', () => {
    const result = run({}, { _url: 'https://shop.example.ru/cart/?utm_source=vk', page_url: 'https://shop.example.ru/p/42/' })
    expect(result.fields.UTM_SOURCE).toBeUndefined()
    expect(commentLines(result)).toEqual([
      'Адрес страницы: https://shop.example.ru/cart/?utm_source=vk',
      'Страница товара: https://shop.example.ru/p/42/'
    ])
  })

  it('follows the configured sources and skips a source that is not a URL', () => {
    const result = run({ productUrl: { sources: ['tovar', 'link'] } }, { tovar: 'Кофемашина', link: 'https://shop.example.ru/p/7?utm_term=кофе' })
    expect(result.fields.UTM_TERM).toBe('кофе')
    expect(commentLines(result)).toEqual(['tovar: Кофемашина', 'Страница товара: https://shop.example.ru/p/7'])
  })

  it('does not treat an explicitly mapped source as the product URL', () => {
    const result = run({ fields: { _url: 'UF_CRM_PAGE' } }, { _url: 'https://shop.example.ru/p/7?utm_source=vk' })
    expect(result.fields.UF_CRM_PAGE).toBe('https://shop.example.ru/p/7?utm_source=vk')
    expect(result.fields.UTM_SOURCE).toBeUndefined()
    expect(result.fields).not.toHaveProperty('COMMENTS')
  })
})

describe('mapSubmission: UTM precedence', () => {
  it('takes UTM from submitted fields first, then the product URL, then the Referer', () => {
    const result = run({}, {
      utm_source: 'google',
      product_url: 'https://shop.example.ru/p/1?utm_source=yandex&utm_medium=cpc'
    }, { referer: 'https://shop.example.ru/p/1?utm_source=vk&utm_medium=social&utm_campaign=winter&utm_content=banner_2&utm_term=%D0%BA%D0%BE%D1%84%D0%B5' })
    expect(result.fields).toMatchObject({
      UTM_SOURCE: 'google',
      UTM_MEDIUM: 'cpc',
      UTM_CAMPAIGN: 'winter',
      UTM_CONTENT: 'banner_2',
      UTM_TERM: 'кофе'
    })
  })

  it('does not list the utm fields it recorded, and accepts them in any case', () => {
    const result = run({}, { UTM_Source: 'yandex', utm_medium: 'cpc', utm_referrer: 'https://ya.ru' })
    expect(result.fields).toMatchObject({ UTM_SOURCE: 'yandex', UTM_MEDIUM: 'cpc' })
    expect(result.fields.COMMENTS).toBe('utm_referrer: https://ya.ru')
  })

  it('lets an explicit mapping to UTM_* win over everything', () => {
    const result = run({ fields: { channel: 'UTM_SOURCE' } }, { channel: 'partner-site', utm_source: 'yandex' }, { referer: 'https://a.ru/?utm_source=vk' })
    expect(result.fields.UTM_SOURCE).toBe('partner-site')
  })

  it('uses the Referer alone when nothing else carries UTM, and ignores a Referer that is not a URL', () => {
    expect(run({}, { name: 'x' }, { referer: 'https://lp.example.ru/?utm_source=mytarget&utm_medium=cpm' }).fields)
      .toMatchObject({ UTM_SOURCE: 'mytarget', UTM_MEDIUM: 'cpm' })
    expect(run({}, { name: 'x' }, { referer: 'not a url?utm_source=x' }).fields).not.toHaveProperty('UTM_SOURCE')
  })
})

describe('mapSubmission: click ids', () => {
  it('writes click ids from fields and URLs to COMMENTS lines, fields first', () => {
    const result = run({}, { gclid: 'Cj0KCQiA-field', name: 'Олег' }, { referer: 'https://lp.example.ru/?gclid=Cj0KCQiA-referer&fbclid=IwAR2x' })
    expect(commentLines(result)).toEqual(['name: Олег', 'gclid: Cj0KCQiA-field', 'fbclid: IwAR2x'])
  })

  it('writes click ids to the configured field, naming their network', () => {
    const result = run({ clickIdTarget: 'UF_CRM_CLICK_ID' }, { product_url: PRODUCT, fbclid: 'IwAR2x' })
    expect(result.fields.UF_CRM_CLICK_ID).toBe('yclid=7716049321&fbclid=IwAR2x')
    expect(commentLines(result)).toEqual(['Страница товара: https://shop.example.ru/catalog/kofemashina/?id=5'])
  })
})
