/** Urlencoded bodies decode to what the browser encoded: `+` is a space, `%2B` a plus, escapes are bytes in the page's charset. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeUrlencoded } from '../../src/intake/decode-body.ts'

const limits = { fields: 200, valueChars: 10_000 }
const decode = (body: string, charset?: string): Record<string, string | string[]> =>
  ({ ...decodeUrlencoded(Buffer.from(body, 'latin1'), charset !== undefined ? { declared: charset } : {}, limits) })

describe('decodeUrlencoded', () => {
  it('reads spaces, pluses, escapes in either case and Cyrillic as a browser sent them', () => {
    expect(decode('name=%D0%98%d0%b2%D0%B0%D0%BD+%D0%9F.&sum=1%2B1&plus=a+b+c')).toEqual({ name: 'Иван П.', sum: '1+1', plus: 'a b c' })
  })

  it('reads windows-1251 escapes in the declared charset', () => {
    expect(decode('name=%C8%E2%E0%ED', 'windows-1251')).toEqual({ name: 'Иван' })
  })

  it('gives back every value URLSearchParams encoded', () => {
    const name = fc.stringMatching(/^f[a-z0-9]{0,10}$/)
    const text = fc.string({ unit: 'grapheme', maxLength: 40 }).map(s => s.replace(/\r\n?/g, '\n'))
    fc.assert(fc.property(fc.dictionary(name, text, { minKeys: 1, maxKeys: 8 }), (fields) => {
      const body = new URLSearchParams(fields).toString()
      const got = decode(body, 'utf-8')
      for (const [key, value] of Object.entries(fields)) expect(got[key]).toBe(value)
    }), { numRuns: 300 })
  })
})
