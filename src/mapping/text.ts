/** Text hygiene for values a visitor typed: control characters, line ends, HTML, length. */

// Cc controls other than tab and line feed; carriage returns are folded into line feeds first.
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's job
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g

/** Trims, folds CR/CRLF into LF, drops control characters and composes accents (NFC) so CRM search finds the text. */
export function cleanText (value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .normalize('NFC')
    .trim()
}

/** The non-empty cleaned values of one submitted field; a checkbox group gives several. */
export function cleanValues (value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return []
  const list = typeof value === 'string' ? [value] : value
  return list.map(cleanText).filter((item) => item !== '')
}

/** For single-line places (TITLE, notes): every run of whitespace becomes one space. */
export function oneLine (value: string): string {
  return value.replace(/\s+/g, ' ').trim()
}

/** Cuts to `max` characters counted as code points, so an emoji or a surrogate pair is never split. */
export function truncate (value: string, max: number): string {
  // A string no longer in code units than `max` is no longer in code points either.
  if (value.length <= max) return value
  // Only the first `max` code points are looked at, however long the value.
  const chars: string[] = []
  for (const ch of value) {
    if (chars.length === max) return chars.slice(0, max - 1).join('').trimEnd() + '…'
    chars.push(ch)
  }
  return value
}
