/** Visitor text → Bitrix24 rich fields: escaped, BB-code and tags cannot start, lines kept, characters kept. */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { appendComments, commentsHtml, commentsToText, plainRichText } from '../../src/mapping/rich-text.ts'

const Z = '\u200B'

describe('rich text for Bitrix24', () => {
  it('COMMENTS: HTML-escaped, <br> between lines, a zero-width space after each BB-code opener', () => {
    expect(commentsHtml('a < b & c > d\n[url=javascript:x]y[/url]\n[*] [1] [ ]'))
      .toBe(`a &lt; b &amp; c &gt; d<br>[${Z}url=javascript:x]y[${Z}/url]<br>[${Z}*] [1] [ ]`)
    expect(commentsHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;')
  })

  it('timeline comments and TITLE: the characters stay, tags cannot start, URLs keep their &', () => {
    expect(plainRichText('<img src=x> &amp; [img]u[/img] 1 < 2 & 3\nnext'))
      .toBe(`<${Z}img src=x> &amp; [${Z}img]u[${Z}/img] 1 < 2 & 3\nnext`)
    expect(plainRichText('https://shop.example/?a=1&utm_source=x')).toBe('https://shop.example/?a=1&utm_source=x')
  })

  it('appends lines to COMMENTS already written', () => {
    expect(appendComments('a<br>b', ['<c>', 'd'])).toBe('a<br>b<br>&lt;c&gt;<br>d')
    expect(appendComments(undefined, ['x'])).toBe('x')
  })

  it('a reader sees exactly what the visitor typed, for any text', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }).map(s => s.replace(/[\u200B\r]/g, '')), (text) => {
      expect(commentsToText(commentsHtml(text))).toBe(text)
      expect(plainRichText(text).split(Z).join('')).toBe(text)
      expect(commentsHtml(text).split('<br>').join('')).not.toMatch(/[<>\n]|\[\/?[a-z*]/i)
    }), { seed: 20_251_203, numRuns: 500 })
  })
})
