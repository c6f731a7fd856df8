/**
 * Finds e-mail addresses and phone numbers inside free text, for masking. Hand-written scanners
 * rather than regexes: every character is looked at a bounded number of times, so a visitor's
 * megabyte of `a@a@a@…` or `1-1-1-…` costs a megabyte of work, never its square.
 */

export interface Span {
  start: number
  /** Exclusive. */
  end: number
}

/** RFC 5322 atext plus the dot: what may stand left of an `@`. */
const LOCAL_EXTRA = new Set("!#$%&'*+/=?^_`{|}~-.")
const LOCAL_MAX = 64
const DOMAIN_MAX = 253
const TLD_MAX = 24

const code = (text: string, i: number): number => text.charCodeAt(i)
const isDigitCode = (c: number): boolean => c >= 48 && c <= 57
const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122)
const isAlnumCode = (c: number): boolean => isDigitCode(c) || isLetterCode(c)
const isWordCode = (c: number): boolean => isAlnumCode(c) || c === 95
const isLocalChar = (text: string, i: number): boolean => isAlnumCode(code(text, i)) || LOCAL_EXTRA.has(text.charAt(i))
const isDomainChar = (c: number): boolean => isAlnumCode(c) || c === 46 || c === 45

export interface EmailSpan extends Span {
  /** Where the `@` is. */
  at: number
  /** Where the top-level domain starts (after its dot). */
  tld: number
}

/**
 * `local@domain.tld` spans: a local part of up to 64 atext characters (not starting with a dot), a
 * domain starting with a letter or digit, and a last label of 2–24 letters. Each `@` looks at most 64
 * characters left and 253 right, and scanning resumes after each address found.
 */
export function emailSpans (text: string): EmailSpan[] {
  const spans: EmailSpan[] = []
  let from = 0
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
    if (at < from) continue
    let start = at
    while (start > from && at - start < LOCAL_MAX && isLocalChar(text, start - 1)) start--
    while (start < at && text[start] === '.') start++
    if (start === at) continue
    let end = at + 1
    if (end >= text.length || !isAlnumCode(code(text, end))) continue
    while (end < text.length && end - at - 1 < DOMAIN_MAX && isDomainChar(code(text, end))) end++
    const tld = lastTld(text, at + 1, end)
    if (tld === undefined) continue
    spans.push({ start, end: tld.end, at, tld: tld.start })
    from = tld.end
    at = tld.end - 1
  }
  return spans
}

/** The rightmost `.letters` label (2–24 letters) in text[from, to) that is followed by a non-word character. */
function lastTld (text: string, from: number, to: number): Span | undefined {
  let end = to
  // Walk back label by label; each character of the domain is visited once.
  while (end > from) {
    let start = end
    while (start > from && isLetterCode(code(text, start - 1))) start--
    const length = end - start
    const after = end < text.length ? code(text, end) : -1
    if (start > from && text[start - 1] === '.' && start - 1 > from && length >= 2 && length <= TLD_MAX && !isWordCode(after)) {
      return { start, end }
    }
    // Not a TLD here: drop this label (and any run of other domain characters) and try the one before.
    end = start
    while (end > from && !isLetterCode(code(text, end - 1))) end--
  }
  return undefined
}

export interface PhoneScan {
  /** Dots may separate digit groups (8.900.123.45.67). */
  dots?: boolean
  /** No letter, digit, `_`, `.` or `+` right before the number, no letter, digit or `_` right after. */
  wordBoundaries?: boolean
}

const isPhoneChar = (c: number, dots: boolean): boolean =>
  isDigitCode(c) || c === 32 || c === 9 || c === 10 || c === 13 || c === 0xA0 || c === 40 || c === 41 || c === 45 || (dots && c === 46)

/**
 * Phone-like spans: an optional `+`, a digit, then digits, spaces, brackets and dashes (and dots with
 * `dots`), ending at a digit. Runs are maximal and scanning resumes after each, so the caller decides
 * by the digit count what counts as a phone number.
 */
export function phoneSpans (text: string, scan: PhoneScan = {}): Span[] {
  const dots = scan.dots === true
  const spans: Span[] = []
  let i = 0
  while (i < text.length) {
    const c = code(text, i)
    const plus = c === 43 && i + 1 < text.length && isDigitCode(code(text, i + 1))
    if (!plus && !isDigitCode(c)) {
      i++
      continue
    }
    const start = i
    let end = plus ? i + 2 : i + 1
    let lastDigit = end
    while (end < text.length && isPhoneChar(code(text, end), dots)) {
      end++
      if (isDigitCode(code(text, end - 1))) lastDigit = end
    }
    i = end
    if (scan.wordBoundaries === true) {
      const before = start > 0 ? code(text, start - 1) : -1
      const after = lastDigit < text.length ? code(text, lastDigit) : -1
      if (isWordCode(before) || before === 46 || before === 43 || isWordCode(after)) continue
    }
    spans.push({ start, end: lastDigit })
  }
  return spans
}

/** Rebuilds `text` with each span replaced by `replace(spanText)`; spans are in order and do not overlap. */
export function replaceSpans<S extends Span> (text: string, spans: readonly S[], replace: (found: string, span: S) => string): string {
  if (spans.length === 0) return text
  let out = ''
  let last = 0
  for (const span of spans) {
    out += text.slice(last, span.start) + replace(text.slice(span.start, span.end), span)
    last = span.end
  }
  return out + text.slice(last)
}

/** The number of ASCII digits in a string. */
export function digitCount (text: string): number {
  let n = 0
  for (let i = 0; i < text.length; i++) if (isDigitCode(code(text, i))) n++
  return n
}
