/**
 * pino options for the relay: JSON lines, secrets redacted by path and by key at any depth, webhook
 * codes masked wherever they appear, and visitors' e-mails and phone numbers masked by default.
 * Log lines carry facts (ids, codes, counts), never form bodies; the masking is the safety net for
 * what slips into error messages (a portal echoing a value, a stack trace holding a URL).
 */
import pino, { type DestinationStream, type Logger } from 'pino'
import pretty from 'pino-pretty'
import { maskSecrets } from '../bitrix/mask.ts'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-relay-secret"]',
  'req.headers["x-relay-signature"]',
  'headers.authorization',
  'headers["x-relay-secret"]',
  'webhook',
  '*.webhook',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'hmacSecret',
  '*.hmacSecret',
  'adminToken',
  '*.adminToken'
]

/** Keys whose string value is replaced at any depth (the paths above stop at two levels). */
const SECRET_KEYS = /"(secret|hmacSecret|adminToken|token|password|authorization|cookie|x-relay-secret|x-relay-signature|apiKey|api_key)":"(?:[^"\\]|\\.)*"/gi
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g
const JSON_STRING = /"(?:[^"\\]|\\.)*"/g
const EMAIL = /([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9-])[A-Za-z0-9.-]*\.([A-Za-z]{2,24})\b/g
// A phone: an optional +, then digits with spaces, dashes, dots-free brackets between them.
const PHONE = /(?<![\w.+])\+?\d[\d\s()-]{5,22}\d(?![\w.])/g

/** anna.petrova@example.ru → a***@e***.ru */
export function maskEmails (text: string): string {
  return text.replace(EMAIL, '$1***@$2***.$3')
}

/** +7 900 123-45-67 → +7********67; runs of 10+ digits (8+ after a "+") only, so dates and ports stay. */
export function maskPhones (text: string): string {
  return text.replace(PHONE, (match) => {
    const digits = match.replace(/\D/g, '')
    const plus = match.startsWith('+')
    if (/^\d{4}-\d\d-\d\d/.test(match)) return match // a date, maybe with a time
    if (digits.length > 15 || digits.length < (plus ? 8 : 10)) return match
    return (plus ? '+' : '') + digits[0] + '*'.repeat(digits.length - 3) + digits.slice(-2)
  })
}

/** The last pass over a finished JSON line: secrets by key, webhook codes, tokens, then PII in string values. */
export function scrubLogLine (line: string, maskPii = true): string {
  let out = maskSecrets(line.replace(SECRET_KEYS, '"$1":"[redacted]"').replace(BEARER, '$1 [redacted]'))
  if (maskPii) out = out.replace(JSON_STRING, (s) => maskPhones(maskEmails(s)))
  return out
}

export interface LoggerOptions {
  level?: string
  destination?: DestinationStream
  /** Mask visitors' e-mails and phone numbers (default true). */
  maskPii?: boolean
  /** Human-readable lines (pino-pretty) instead of JSON, for a terminal; ignored with `destination`. */
  pretty?: boolean
}

export function createLogger (opts: LoggerOptions = {}): Logger {
  const maskPii = opts.maskPii ?? true
  return pino({
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'b24-form-relay' },
    hooks: { streamWrite: (line) => scrubLogLine(line, maskPii) }
  }, opts.destination ?? (opts.pretty === true ? pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', sync: true }) : undefined))
}
