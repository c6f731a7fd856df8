/** The emulator's COMMENTS sanitizer: tags go and their text stays, line breaks stay, BB-code is untouched. */
import { describe, expect, it } from 'vitest'
import { sanitizeCommentsHtml } from '../../src/emulator/methods/comments-html.ts'

describe('emulated COMMENTS sanitizer', () => {
  it('keeps <br> in its forms, drops other tags with their text kept, leaves escaped text and BB-code', () => {
    expect(sanitizeCommentsHtml('a<br>b<br/>c<BR />d')).toBe('a<br>b<br>c<br>d')
    expect(sanitizeCommentsHtml('<strong>x</strong> <img src=x onerror=alert(1)>y')).toBe('x y')
    expect(sanitizeCommentsHtml('&lt;b&gt; [b]bold[/b]')).toBe('&lt;b&gt; [b]bold[/b]')
  })

  it('a "<" that opens no tag is text', () => {
    expect(sanitizeCommentsHtml('1 < 2 <i>x</i> and 3 <')).toBe('1 < 2 x and 3 <')
    expect(sanitizeCommentsHtml('a < b')).toBe('a < b')
  })
})
