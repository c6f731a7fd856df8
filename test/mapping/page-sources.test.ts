import { describe, expect, it } from 'vitest'
import { decodeEntities, isCf7Endpoint, pageKey } from '../../src/mapping/page-sources.ts'
import { commentLines, run } from './helpers.ts'

describe('isCf7Endpoint: every spelling of the Contact Form 7 REST endpoint', () => {
  it.each([
    'https://shop.example/wp-json/contact-form-7/v1/contact-forms/12/feedback',
    'https://shop.example/wp-json/contact-form-7/v1/contact-forms/12/feedback/schema',
    'https://shop.example/wp-json/contact-form-7/v1/contact-forms/12/refill',
    'https://shop.example/blog/wp-json/contact-form-7/v1/contact-forms/12/feedback',
    'https://shop.example/index.php/wp-json/contact-form-7/v1/contact-forms/12/feedback',
    'https://shop.example/index.php?rest_route=/contact-form-7/v1/contact-forms/12/feedback',
    'https://shop.example/?rest_route=/contact-form-7/v1/contact-forms/12/feedback',
    'http://127.0.0.1:19010/index.php?rest_route=%2Fcontact-form-7%2Fv1%2Fcontact-forms%2F5%2Ffeedback',
    'https://shop.example/index.php?lang=ru&rest_route=/contact-form-7/v1/contact-forms/12/refill',
    'https://shop.example/wp-json/contact-form-7%2Fv1/contact-forms/12/feedback'
  ])('%s', (url) => {
    expect(isCf7Endpoint(url)).toBe(true)
  })

  it.each([
    'https://shop.example/catalog/kofemashina/',
    'https://shop.example/?p=12',
    'https://shop.example/contact-form-7/',
    'https://shop.example/index.php?rest_route=/wp/v2/posts',
    'not a url'
  ])('not %s', (url) => {
    expect(isCf7Endpoint(url)).toBe(false)
  })
})

describe('pageKey: addresses that name the same page', () => {
  it('ignores the query, the fragment, a trailing slash and the host case', () => {
    expect(pageKey('https://Shop.example/catalog/a/?color=black#top')).toBe(pageKey('https://shop.example/catalog/a'))
    expect(pageKey('https://shop.example/catalog/a/')).not.toBe(pageKey('https://shop.example/catalog/b/'))
    expect(pageKey('mailto:a@b.c')).toBeUndefined()
  })
})

describe('decodeEntities', () => {
  it('decodes what WordPress escapes in titles', () => {
    expect(decodeEntities('Кофе &amp; чай &#8211; Кофе-Маркет')).toBe('Кофе & чай – Кофе-Маркет')
    expect(decodeEntities('plain')).toBe('plain')
  })
})

describe('the product page on plain-permalink WordPress', () => {
  it('the rest_route endpoint with no Referer falls through to _post_url and is not written anywhere', () => {
    const result = run({ productUrl: { target: 'UF_CRM_URL' } }, {
      _url: 'https://shop.example/index.php?rest_route=/contact-form-7/v1/contact-forms/12/feedback',
      _post_url: 'https://shop.example/?p=41'
    })
    expect(result.fields.UF_CRM_URL).toBe('https://shop.example/?p=41')
    expect(commentLines(result)).toEqual([])
  })
})

describe('nothing said twice', () => {
  const PAGE = 'https://shop.example/catalog/magnifica/'

  it('a [hidden product-url] is the product page by default, stored without its utm tags', () => {
    const result = run({ productUrl: { target: 'UF_CRM_URL' } }, {
      'product-url': `${PAGE}?color=black&utm_source=yandex&utm_campaign=spring`,
      page_url: PAGE,
      _url: `${PAGE}?utm_source=yandex`,
      _post_url: PAGE
    })
    expect(result.fields.UF_CRM_URL).toBe(`${PAGE}?color=black`)
    expect(result.fields.UTM_SOURCE).toBe('yandex')
    expect(result.fields.UTM_CAMPAIGN).toBe('spring')
    expect(commentLines(result)).toEqual([])
  })

  it('without a target the sources naming the same page become one line; another page keeps its own', () => {
    const result = run({}, { page_url: PAGE, _url: PAGE, _post_url: 'https://shop.example/catalog/other/' })
    expect(commentLines(result)).toEqual(['Ссылка на страницу: https://shop.example/catalog/other/', `Страница товара: ${PAGE}`])
  })

  it('WordPress titles are decoded, and the other title source is not repeated next to the product name', () => {
    const result = run({ productName: { target: 'UF_CRM_NAME' } }, {
      _post_title: 'Кофемашина &#8211; DeLonghi &amp; Co',
      page_title: 'Кофемашина – DeLonghi & Co – Кофе-Маркет',
      _site_title: 'Кофе &amp; Маркет'
    })
    expect(result.fields.UF_CRM_NAME).toBe('Кофемашина – DeLonghi & Co')
    expect(commentLines(result)).toEqual(['Сайт: Кофе &amp; Маркет'])
  })

  it('the note after an attached file follows the form language', () => {
    const ru = run({ labels: { 'file-1': 'Файл' } }, { 'file-1': 'чертёж.pdf (attachment)' })
    expect(commentLines(ru)).toEqual(['Файл: чертёж.pdf (вложение)'])
    expect(commentLines(run({ language: 'en' }, { 'file-1': 'plan.pdf (attachment)' }))).toEqual(['file-1: plan.pdf (attachment)'])
  })
})
