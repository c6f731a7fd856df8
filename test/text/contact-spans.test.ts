/** The linear scanners for e-mail addresses and phone numbers in free text (their linearity: test/security/linear-text.test.ts). */
import { describe, expect, it } from 'vitest'
import { digitCount, emailSpans, phoneSpans, replaceSpans } from '../../src/text/contact-spans.ts'

const found = (text: string, spans: Array<{ start: number, end: number }>): string[] => spans.map(s => text.slice(s.start, s.end))

describe('emailSpans', () => {
  it('finds each address in running text', () => {
    const text = 'write to anna.petrova@example.ru or ops+relay@mail.example.com, not to @nobody'
    expect(found(text, emailSpans(text))).toEqual(['anna.petrova@example.ru', 'ops+relay@mail.example.com'])
  })
})

describe('phoneSpans', () => {
  it('finds runs that start with a digit or a + and end at a digit', () => {
    const text = 'call +7 (916) 123-45-67 or 8 800 555-35-35.'
    expect(found(text, phoneSpans(text))).toEqual(['+7 (916) 123-45-67', '8 800 555-35-35'])
  })

  it('with word boundaries, leaves digits inside words and dotted numbers alone', () => {
    const text = 'order A1234567890 v1.2345678901 and 9161234567'
    expect(found(text, phoneSpans(text, { wordBoundaries: true }))).toEqual(['9161234567'])
  })

  it('takes dots as separators only when asked', () => {
    const text = '916.123.45.67'
    expect(found(text, phoneSpans(text))).toEqual(['916', '123', '45', '67'])
    expect(found(text, phoneSpans(text, { dots: true }))).toEqual(['916.123.45.67'])
  })
})

describe('replaceSpans and digitCount', () => {
  it('rebuilds the text with each span replaced, in order', () => {
    const text = 'a 123 b 456 c'
    expect(replaceSpans(text, phoneSpans(text), s => `<${s.length}>`)).toBe('a <3> b <3> c')
    expect(replaceSpans(text, [], () => 'x')).toBe(text)
  })

  it('counts ASCII digits only', () => {
    expect(digitCount('+7 916 ١٢٣ 45-67')).toBe(8)
  })
})
