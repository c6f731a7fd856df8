import { describe, expect, it } from 'vitest'
import { mergeTracking, parsePageUrl } from '../../src/mapping/tracking.ts'

describe('parsePageUrl', () => {
  it('strips the UTM tags and keeps the other parameters as sent', () => {
    expect(parsePageUrl('https://shop.example.ru/catalog/item/?id=5&utm_source=yandex&utm_medium=cpc&color=%D0%BA%D1%80%D0%B0%D1%81%D0%BD%D1%8B%D0%B9#reviews')).toEqual({
      url: 'https://shop.example.ru/catalog/item/?id=5&color=%D0%BA%D1%80%D0%B0%D1%81%D0%BD%D1%8B%D0%B9#reviews',
      tracking: { utm_source: 'yandex', utm_medium: 'cpc' }
    })
  })

  it('decodes the tracking values and drops the query mark when nothing is left', () => {
    expect(parsePageUrl('https://shop.example.ru/p/x/?utm_campaign=%D0%BB%D0%B5%D1%82%D0%BE+2025&gclid=Cj0KCQ&utm_term=')).toEqual({
      url: 'https://shop.example.ru/p/x/',
      tracking: { utm_campaign: 'лето 2025', gclid: 'Cj0KCQ' }
    })
  })

  it('keeps non-standard utm parameters, which nothing else records', () => {
    expect(parsePageUrl('https://example.com/?utm_referrer=https%3A%2F%2Fya.ru&UTM_Source=vk')).toEqual({
      url: 'https://example.com/?utm_referrer=https%3A%2F%2Fya.ru',
      tracking: { utm_source: 'vk' }
    })
  })

  it('is undefined for text that is not an http(s) URL', () => {
    expect(parsePageUrl('/catalog/item?id=5')).toBeUndefined()
    expect(parsePageUrl('javascript:alert(1)')).toBeUndefined()
    expect(parsePageUrl('Товар X')).toBeUndefined()
  })
})

describe('mergeTracking', () => {
  it('lets earlier sources win key by key', () => {
    expect(mergeTracking({ utm_source: 'field' }, { utm_source: 'page', utm_medium: 'page' }, { utm_medium: 'referer', yclid: '1' }))
      .toEqual({ utm_source: 'field', utm_medium: 'page', yclid: '1' })
  })
})
