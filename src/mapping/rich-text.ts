/**
 * Visitor text → text that is safe in the places Bitrix24 renders as rich text, read the same way
 * by a person: nothing the visitor typed renders, links or loads. The one module every writer uses
 * (COMMENTS, timeline comments, TITLE), so they cannot drift apart. DESIGN.md §4 has the reasons.
 *
 * - COMMENTS is HTML: the portal runs it through its HTML sanitizer and the lead card shows it as
 *   HTML (newer cards convert it to BB-code first). So text is HTML-escaped and lines end in `<br>`.
 * - Timeline comments and TITLE are text that Bitrix24 shows through its BB-code parser (comments)
 *   or escapes itself (titles), so they keep their characters and line feeds.
 * - Everywhere, BB-code cannot start: a zero-width space goes after a `[` that opens a tag name
 *   (`[url=…]`, `[/b]`, `[*]`); in text that is not escaped, the same goes after a `<` that opens a
 *   tag. The reader sees the same characters. An `&` is left alone there: an entity can only change
 *   how a character looks, never make markup, and page URLs keep their `&utm_…` intact.
 *
 * Every function is one linear pass.
 */

const ZWSP = '\u200B'

/** What separates lines in COMMENTS. */
export const COMMENTS_BREAK = '<br>'

const isAsciiLetter = (ch: string): boolean => (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')

const opensBbTag = (next: string): boolean => isAsciiLetter(next) || next === '/' || next === '*'
const opensHtmlTag = (next: string): boolean => isAsciiLetter(next) || next === '/' || next === '!' || next === '?'

// Quotes need no escape in element text, and keeping them keeps COMMENTS readable in the REST reply.
const HTML_ESCAPES: Readonly<Record<string, string>> = Object.freeze({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })

/** One pass: HTML escapes (html), zero-width breaks after markup openers, and `\n` as `<br>` (html). */
function encode (text: string, html: boolean): string {
  let out = ''
  let last = 0
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i)
    if (ch !== '\n' && ch !== '&' && ch !== '<' && ch !== '>' && ch !== '[') continue
    // Untouched runs are copied whole: the output is built from slices, not character by character.
    out += text.slice(last, i)
    last = i + 1
    const next = text.charAt(i + 1)
    if (ch === '\n' && html) out += COMMENTS_BREAK
    else if (html && Object.hasOwn(HTML_ESCAPES, ch)) out += HTML_ESCAPES[ch] as string
    else out += ch
    if ((ch === '[' && opensBbTag(next)) || (!html && ch === '<' && opensHtmlTag(next))) {
      out += ZWSP
    }
  }
  return out + text.slice(last)
}

/** COMMENTS from plain lines (`\n` between them): escaped, BB-code broken, lines joined by `<br>`. */
export function commentsHtml (text: string): string {
  return encode(text, true)
}

/** Adds plain lines to COMMENTS that is already encoded (as commentsHtml wrote it). */
export function appendComments (existing: unknown, lines: readonly string[]): string {
  const added = commentsHtml(lines.join('\n'))
  return typeof existing === 'string' && existing !== '' ? existing + COMMENTS_BREAK + added : added
}

/** Text for a timeline comment or the TITLE: characters kept, markup cannot start. */
export function plainRichText (text: string): string {
  return encode(text, false)
}

/** Back from COMMENTS to what a reader sees, line feeds included (for logs, tests and the demo). */
export function commentsToText (html: string): string {
  return html
    .split(COMMENTS_BREAK).join('\n')
    .replace(/&(amp|lt|gt);/g, (_all, name: string) => ({ amp: '&', lt: '<', gt: '>' })[name] ?? '')
    .split(ZWSP).join('')
}
