/**
 * COMMENTS as the portal stores it: its HTML sanitizer removes tags and keeps their text (the contact
 * tutorial's description), line breaks (`<br>`) survive, BB-code is left alone. One linear scan:
 * a tag runs to the next `>`, and a `<` with no `>` after it is text.
 */
const BREAK = /^<br\s*\/?>$/i

export function sanitizeCommentsHtml (value: string): string {
  let out = ''
  let i = 0
  // Both searches only move forward (the last ">" found is reused), so the scan stays linear.
  let close = -1
  while (i < value.length) {
    const open = value.indexOf('<', i)
    if (open === -1) break
    if (close <= open) close = value.indexOf('>', open + 1)
    if (close === -1) break
    const next = value.indexOf('<', open + 1)
    if (next !== -1 && next < close) {
      // "a < b <i>": the first "<" opens no tag.
      out += value.slice(i, next)
      i = next
      continue
    }
    out += value.slice(i, open) + (BREAK.test(value.slice(open, close + 1)) ? '<br>' : '')
    i = close + 1
  }
  return out + value.slice(i)
}
