import { describe, expect, it } from 'vitest'
import { checkTrace, parseVisitedPages, readAnalyticsId, TRACE_MAX_BYTES } from '../../src/mapping/attribution.ts'
import { commentLines, formOf, run } from './helpers.ts'

const TRACE = JSON.stringify({
  url: 'https://shop.example.ru/catalog/stul/',
  ref: 'https://yandex.ru/',
  device: { isMobile: false },
  tags: { ts: 1700000000, list: { utm_source: 'yandex' } },
  pages: { list: [['https://shop.example.ru/', 1700000000, 'Главная']] }
})

describe('mapSubmission: Bitrix24 tracker trace', () => {
  it('passes a JSON trace on as TRACE, as sent, and never as a COMMENTS line', () => {
    const result = run({}, { name: 'Анна', b24_trace: TRACE })
    expect(result.fields.TRACE).toBe(TRACE)
    expect(commentLines(result)).toEqual(['name: Анна'])
    expect(result.dropped).toEqual([])
  })

  it('drops a trace that is not JSON with a note in the form\'s language; the lead keeps everything else', () => {
    const result = run({}, { name: 'Анна', b24_trace: '{"url": "https://shop.example.ru/"' })
    expect(result.fields.TRACE).toBeUndefined()
    expect(result.errors).toEqual({})
    expect(commentLines(result)).toEqual(['name: Анна', 'Данные сквозной аналитики Битрикс24 (b24_trace) не переданы: это не JSON'])
    expect(result.dropped).toEqual([{ field: 'b24_trace', reason: 'not_json', bytes: 34 }])
  })

  it('drops JSON that is not an object or a list (a bare string or number is no trace)', () => {
    for (const text of ['"trace"', '42', 'null', 'true']) {
      const result = run({ language: 'en' }, { b24_trace: text })
      expect(result.fields.TRACE).toBeUndefined()
      expect(commentLines(result)).toEqual(['Bitrix24 tracker trace (b24_trace) left out: not valid JSON'])
    }
  })

  it('drops a trace larger than 16 KB before parsing it, with its size in the note', () => {
    const big = JSON.stringify({ pages: { list: Array.from({ length: 400 }, (_, i) => [`https://shop.example.ru/p/${i}`, i, 'Страница']) } })
    expect(Buffer.byteLength(big)).toBeGreaterThan(TRACE_MAX_BYTES)
    const result = run({ language: 'en' }, { name: 'Ann', b24_trace: big })
    expect(result.fields.TRACE).toBeUndefined()
    const kb = Math.ceil(Buffer.byteLength(big) / 1024)
    expect(commentLines(result)).toEqual(['name: Ann', `Bitrix24 tracker trace (b24_trace) left out: ${kb} KB, more than 16 KB`])
    expect(result.dropped).toEqual([{ field: 'b24_trace', reason: 'too_large', bytes: Buffer.byteLength(big) }])
  })

  it('counts the size in UTF-8 bytes, so 16 KB of Cyrillic is refused though it is fewer characters', () => {
    const cyrillic = JSON.stringify({ t: 'я'.repeat(9000) })
    expect(cyrillic.length).toBeLessThan(TRACE_MAX_BYTES)
    expect(checkTrace(cyrillic)).toMatchObject({ ok: false, reason: 'too_large' })
    expect(checkTrace(JSON.stringify({ t: 'я'.repeat(8000) }))).toMatchObject({ ok: true })
  })

  it('leaves a trace the form maps itself to that mapping', () => {
    const result = run({ fields: { b24_trace: 'UF_CRM_TRACE' } }, { b24_trace: 'not json at all' })
    expect(result.fields.UF_CRM_TRACE).toBe('not json at all')
    expect(result.fields.TRACE).toBeUndefined()
    expect(result.dropped).toEqual([])
  })
})

describe('mapSubmission: analytics client ids', () => {
  const ids = { ga_client_id: '987654321.1700000000', ym_client_id: '1700000000123456789', roistat_visit: '4471' }

  it('writes the ids as labelled COMMENTS lines when the form names no targets', () => {
    expect(commentLines(run({}, ids))).toEqual([
      'Client ID Google Analytics: 987654321.1700000000',
      'ClientID Яндекс Метрики: 1700000000123456789',
      'Визит Roistat: 4471'
    ])
    expect(commentLines(run({ language: 'en' }, ids))).toEqual([
      'Google Analytics client ID: 987654321.1700000000',
      'Yandex Metrica ClientID: 1700000000123456789',
      'Roistat visit: 4471'
    ])
  })

  it('writes each id to its configured UF_CRM_ field', () => {
    const result = run({ analytics: { gaClientId: 'UF_CRM_GA', ymClientId: 'UF_CRM_YM', roistatVisit: 'UF_CRM_ROISTAT' } }, ids)
    expect(result.fields).toMatchObject({ UF_CRM_GA: '987654321.1700000000', UF_CRM_YM: '1700000000123456789', UF_CRM_ROISTAT: '4471' })
    expect(result.fields.COMMENTS).toBeUndefined()
  })

  it('keeps an odd value as text with a note, never in the target, and never refuses the lead', () => {
    const result = run({ analytics: { gaClientId: 'UF_CRM_GA' } }, { ga_client_id: 'GA1.1.<b>x</b>', roistat_visit: '1'.repeat(500) })
    expect(result.errors).toEqual({})
    expect(result.fields.UF_CRM_GA).toBeUndefined()
    const lines = commentLines(result)
    expect(lines[0]).toBe('Client ID Google Analytics: \'GA1.1.&lt;b&gt;x&lt;/b&gt;\' не похоже на идентификатор')
    expect(lines[1]).toMatch(/^Визит Roistat: '1{199}…' не похоже на идентификатор$/)
  })

  it('refuses a long near-miss by its length, keeping a readable part of it', () => {
    const odd = readAnalyticsId('gaClientId', '1'.repeat(100_000) + '.')
    expect(odd.wellFormed).toBe(false)
    expect(Array.from(odd.value).length).toBe(200)
  })

  it('refuses a config whose target is not a UF_CRM_ field, and an unknown analytics key', () => {
    expect(() => formOf({ analytics: { gaClientId: 'COMMENTS' } })).toThrow()
    expect(() => formOf({ analytics: { fbp: 'UF_CRM_FBP' } })).toThrow()
  })
})

describe('mapSubmission: visited pages', () => {
  const visited = JSON.stringify([
    ['https://shop.example.ru/', 'Магазин', 600],
    ['https://shop.example.ru/catalog/stul/?color=red&email=a@b.ru#top', 'Стул «Север»', 125],
    ['https://shop.example.ru/cart/', '', 20]
  ])

  it('writes one COMMENTS block, oldest first, with path-only URLs and the time before sending', () => {
    expect(commentLines(run({}, { name: 'Анна', visited_pages: visited }))).toEqual([
      'name: Анна',
      'Просмотренные страницы:',
      '1. Магазин — https://shop.example.ru/ (за 10 мин до отправки)',
      '2. Стул «Север» — https://shop.example.ru/catalog/stul/ (за 2 мин до отправки)',
      '3. https://shop.example.ru/cart/ (меньше чем за минуту до отправки)'
    ])
    expect(commentLines(run({ language: 'en' }, { visited_pages: visited }))[1]).toBe('1. Магазин — https://shop.example.ru/ (10 min before sending)')
  })

  it('keeps at most the last 10 pages and skips entries that are not pages', () => {
    const list = [['javascript:alert(1)', 'x', 1], 'junk', ...Array.from({ length: 12 }, (_, i) => [`https://shop.example.ru/p/${i}`, `P${i}`, 0])]
    const pages = parseVisitedPages(JSON.stringify(list))
    expect(pages?.map(p => p.url)).toEqual(Array.from({ length: 10 }, (_, i) => `https://shop.example.ru/p/${i + 2}`))
  })

  it('keeps an unreadable list as one short line, never refusing the lead', () => {
    const result = run({}, { visited_pages: '[["https://shop.example.ru/",' })
    expect(result.errors).toEqual({})
    expect(commentLines(result)).toEqual(['Просмотренные страницы: [["https://shop.example.ru/",'])
    expect(parseVisitedPages('x'.repeat(9000))).toBeUndefined()
  })
})
