/**
 * pino options for the relay: JSON lines, secrets redacted by key at any depth, webhook
 * codes masked wherever they appear, and visitors' e-mails and phone numbers masked by default.
 * Log lines carry facts (ids, codes, counts), never form bodies; the masking is the safety net for
 * what slips into error messages (a portal echoing a value, a stack trace holding a URL).
 */
import pino, { type DestinationStream, type Logger } from 'pino'
import { createRequire } from 'node:module'
import { maskSecrets } from '../bitrix/mask.ts'
import { digitCount, emailSpans, phoneSpans, replaceSpans } from '../text/contact-spans.ts'

/**
 * Keys whose value is replaced at any depth, in the finished line. This is the only redaction: pino's
 * `redact` paths copied every logged object to censor a few known places (about 15 KB of garbage per
 * submission, an eighth of all the relay allocates), and this pass reaches every depth anyway.
 */
// Linear: each starts at a fixed literal and its runs end at a character the run cannot contain.
const SECRET_KEYS =
  /"(secret|hmacSecret|adminToken|token|password|authorization|cookie|x-relay-secret|x-relay-signature|apiKey|api_key|webhook)":(?:"(?:[^"\\]|\\.)*"|-?[\d.eE+-]+|true|false)/gi
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g
const MAX_TLD_SHOWN = 24

/** anna.petrova@example.ru → a***@e***.ru */
export function maskEmails (text: string): string {
  return replaceSpans(text, emailSpans(text), (found, span) =>
    `${found.charAt(0)}***@${text.charAt(span.at + 1)}***.${text.slice(span.tld, span.end).slice(0, MAX_TLD_SHOWN)}`)
}

const isDate = (text: string): boolean => /^\d{4}-\d\d-\d\d/.test(text)

/** +7 900 123-45-67 → +7********67; runs of 10+ digits (8+ after a "+") only, so dates and ports stay. */
export function maskPhones (text: string): string {
  return replaceSpans(text, phoneSpans(text, { wordBoundaries: true }), (match) => {
    const plus = match.startsWith('+')
    const digits = match.replace(/\D/g, '')
    if (isDate(match)) return match // a date, maybe with a time
    if (digits.length > 15 || digits.length < (plus ? 8 : 10)) return match
    return (plus ? '+' : '') + digits[0] + '*'.repeat(digits.length - 3) + digits.slice(-2)
  })
}

/**
 * The index of the quote that ends the string literal whose text starts at `from` (line.length - 1 if
 * none): a quote preceded by an odd run of backslashes is escaped. Linear: each backslash run is
 * counted once, for the quote right after it.
 */
function closingQuote (line: string, from: number): number {
  let q = line.indexOf('"', from)
  while (q !== -1) {
    let slashes = 0
    while (q - slashes - 1 >= from && line.charCodeAt(q - slashes - 1) === 92) slashes++
    if (slashes % 2 === 0) return q
    q = line.indexOf('"', q + 1)
  }
  return line.length - 1
}

/**
 * Applies `mask` to every JSON string literal of a line (quotes included), found by a linear scan:
 * backslash escapes are skipped, and an unterminated string runs to the end of the line.
 */
function mapJsonStrings (line: string, mask: (literal: string) => string): string {
  let out = ''
  let last = 0
  let i = line.indexOf('"')
  while (i !== -1) {
    const end = closingQuote(line, i + 1) + 1
    const literal = line.slice(i, end)
    const masked = mask(literal)
    // Copy only around what changed: most lines come out as they went in.
    if (masked !== literal) {
      out += line.slice(last, i) + masked
      last = end
    }
    i = end < line.length ? line.indexOf('"', end) : -1
  }
  return last === 0 ? line : out + line.slice(last)
}

/** The last pass over a finished JSON line: secrets by key, webhook codes, tokens, then PII in string values. */
export function scrubLogLine (line: string, maskPii = true): string {
  let out = line.replace(SECRET_KEYS, '"$1":"[redacted]"')
  // Every line passes here, so each pass is skipped when the line lacks what its pattern must contain.
  if (out.includes('Bearer') || out.includes('Basic')) out = out.replace(BEARER, '$1 [redacted]')
  if (out.includes('/rest/') || out.includes('=')) out = maskSecrets(out)
  if (maskPii) out = mapJsonStrings(out, maskContacts)
  return out
}

/** A masked e-mail needs an "@", a masked phone at least 8 digits: most string values have neither. */
function maskContacts (literal: string): string {
  const email = literal.includes('@')
  if (!email && digitCount(literal) < 8) return literal
  return maskPhones(email ? maskEmails(literal) : literal)
}

export interface LoggerOptions {
  level?: string
  destination?: DestinationStream
  /** Mask visitors' e-mails and phone numbers (default true). */
  maskPii?: boolean
  /** Human-readable lines (pino-pretty) instead of JSON, for a terminal; ignored with `destination`. */
  pretty?: boolean
}

// pino-pretty only for a terminal: a service logging JSON never loads it.
const loadPretty = (): typeof import('pino-pretty') => createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty')

export function createLogger (opts: LoggerOptions = {}): Logger {
  const maskPii = opts.maskPii ?? true
  const prettyOptions = { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }
  const destination = opts.destination ?? (opts.pretty === true ? loadPretty()(prettyOptions) : undefined)
  return pino({
    level: opts.level ?? 'info',
    base: { service: 'b24-form-relay' },
    hooks: { streamWrite: (line) => scrubLogLine(line, maskPii) }
  }, destination)
}
