/**
 * The hidden fields embed.js fills from the page's tracker at intake: never refused for their length
 * (no visitor can see or shorten them), and not part of "the same submission", since they change
 * between two clicks of the same button.
 */
import { describe, expect, it } from 'vitest'
import { dedupeKey } from '../../src/intake/accept-submission.ts'
import { ValuesBuilder } from '../../src/intake/submitted-values.ts'

describe('intake: tracker fields', () => {
  it('cuts an over-long b24_trace or visited_pages instead of refusing the submission', () => {
    const builder = new ValuesBuilder({ fields: 10, valueChars: 100 })
    builder.add('b24_trace', 'x'.repeat(20_000))
    builder.add('visited_pages', 'y'.repeat(100_000))
    const values = builder.build()
    expect(values.b24_trace).toHaveLength(20_000)
    expect(values.visited_pages).toHaveLength(64 * 1024)
    // Every other field keeps its limit.
    expect(() => builder.add('message', 'z'.repeat(101))).toThrow(/longer than 100 characters/)
  })

  it('a double click is one submission though visited_pages and b24_trace changed in between', () => {
    const first = { name: 'Анна', phone: '+79001112233', visited_pages: '[["https://shop.example.ru/","Магазин",59]]', b24_trace: '{"a":1}' }
    const second = { ...first, visited_pages: '[["https://shop.example.ru/","Магазин",60]]', b24_trace: '{"a":2}' }
    const key = (values: Record<string, string>): string => dedupeKey({ formId: 'shop', sender: 'ip:203.0.113.5', values }).key
    expect(key(first)).toBe(key(second))
    expect(key(first)).not.toBe(key({ ...first, name: 'Борис' }))
  })
})
