/** Pure mapping of a Bitrix24 reply or a transport failure to a BitrixError (or to "success"). */
import { BitrixError, type BitrixErrorInit } from './errors.ts'
import { errorEnvelopeSchema, successEnvelopeSchema, type BitrixTime, type ErrorEnvelope } from './schemas.ts'

/** Where a transport failure happened: before the status line arrived, or while reading the body. */
export type NetworkPhase = 'request' | 'response'

export interface ReplyContext {
  method?: string
  /** The Location header of a 3xx reply. */
  location?: string
  /** The error sits in a batch reply's result_error: it has no HTTP status of its own. */
  batchCommand?: boolean
}

// Codes that mean "this webhook cannot work until a human acts": the worker pauses the portal.
// The status varies by source (401 in code, 403 in docs; PORTAL_DELETED 403 or 500), so the code decides.
const AUTH_CODES = new Set([
  'INVALID_CREDENTIALS', 'NO_AUTH_FOUND', 'INSUFFICIENT_SCOPE', 'ACCESS_DENIED', 'AUTHORIZATION_ERROR',
  'EXPIRED_TOKEN', 'INVALID_TOKEN', 'INVALID_REQUEST', 'USER_ACCESS_ERROR', 'PORTAL_DELETED',
  'METHOD_CONFIRM_WAITING', 'PAYMENT_REQUIRED', 'WRONG_AUTH_TYPE', 'ALLOWED_ONLY_INTRANET_USER'
])

// Rejected by the batch dispatcher itself: the relay built a bad batch.
const BATCH_USAGE_CODES = new Set(['ERROR_BATCH_LENGTH_EXCEEDED', 'ERROR_BATCH_METHOD_NOT_ALLOWED'])

// Failures that happen before a single byte of the request can have reached the portal.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN',
  'ENETDOWN', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'EPROTO', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN', 'HOSTNAME_MISMATCH'
])
const NOT_SENT_PREFIXES = ['ERR_TLS_', 'ERR_SSL_', 'CERT_', 'UNABLE_TO_']

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT'])

const MAX_TEXT = 500

type ParsedBody = { json: true, value: unknown } | { json: false, text: string }

function parseBody (body: unknown): ParsedBody {
  if (typeof body !== 'string') return { json: true, value: body }
  try {
    return { json: true, value: JSON.parse(body) }
  } catch {
    return { json: false, text: body }
  }
}

function clip (text: string, max = MAX_TEXT): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > max ? flat.slice(0, max) + '…' : flat
}

/** The text of the first <title>…</title>, found by index: a lazy regex rescans to the end from every "<title". */
function htmlTitle (text: string): string | undefined {
  const lower = text.toLowerCase()
  const open = lower.indexOf('<title')
  const gt = open === -1 ? -1 : lower.indexOf('>', open)
  const close = gt === -1 ? -1 : lower.indexOf('</title>', gt)
  return close === -1 ? undefined : text.slice(gt + 1, close)
}

/** A short, printable hint of what a non-REST body was: the HTML title or the first characters. */
function snippet (parsed: ParsedBody): string {
  if (parsed.json) return clip(JSON.stringify(parsed.value) ?? String(parsed.value), 200)
  const title = htmlTitle(parsed.text)
  if (title !== undefined && title.trim() !== '') return 'HTML page "' + clip(title, 120) + '"'
  return parsed.text.trim() === '' ? 'an empty body' : '"' + clip(parsed.text, 200) + '"'
}

function errorCode (envelope: ErrorEnvelope): string {
  return typeof envelope.error === 'string' ? envelope.error : envelope.error.code
}

function errorDescription (envelope: ErrorEnvelope): string | undefined {
  const text = envelope.error_description ?? (typeof envelope.error === 'object' ? envelope.error.message : undefined)
  return text === undefined || text === null ? undefined : clip(text)
}

function resetAtOf (envelope: ErrorEnvelope | undefined): number | undefined {
  const seconds = envelope?.time?.operating_reset_at
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : undefined
}

/**
 * Classifies one HTTP reply. Returns undefined for a success envelope (2xx with `result` and no
 * error code); otherwise the BitrixError to throw. `body` is the raw text or an already parsed value.
 */
export function classifyReply (status: number, body: unknown, ctx: ReplyContext = {}): BitrixError | undefined {
  const parsed = parseBody(body)
  const envelopeResult = parsed.json ? errorEnvelopeSchema.safeParse(parsed.value) : undefined
  const envelope = envelopeResult?.success === true ? envelopeResult.data : undefined
  const b24Error = envelope === undefined ? undefined : errorCode(envelope)
  const b24Description = envelope === undefined ? undefined : errorDescription(envelope)
  // The JS SDK ignores error "0"; an empty code next to a result is not an error either.
  const hasErrorCode = b24Error !== undefined && b24Error !== '' && b24Error !== '0'

  const base = { status: ctx.batchCommand === true ? undefined : status, method: ctx.method, b24Error, b24Description }
  const where = ctx.batchCommand === true ? 'batch command' : `HTTP ${status}`
  const make = (init: Omit<BitrixErrorInit, 'message'> & { what: string }): BitrixError => {
    const detail = b24Error !== undefined
      ? ` ${b24Error === '' ? '(no code)' : b24Error}${b24Description !== undefined && b24Description !== '' ? ': ' + b24Description : ''}`
      : ` with ${snippet(parsed)}`
    const { what, ...rest } = init
    return new BitrixError({ ...base, ...rest, message: `${what} (${where}${detail})` })
  }

  if (status >= 300 && status < 400) {
    return make({
      kind: 'moved',
      retryable: false,
      outcomeUnknown: false,
      location: ctx.location,
      what: 'the portal moved to another address; update the webhook URL'
    })
  }

  if (status >= 200 && status < 300 && !hasErrorCode) {
    if (parsed.json && successEnvelopeSchema.safeParse(parsed.value).success) return undefined
    // Something answered 200 but not with REST JSON: the request may still have run.
    return make({ kind: 'bad_reply', retryable: true, outcomeUnknown: true, what: 'the reply is not a Bitrix24 REST envelope' })
  }

  switch (b24Error?.toUpperCase()) {
    case 'QUERY_LIMIT_EXCEEDED':
      // The leaky bucket rejects before the method runs.
      return make({ kind: 'rate_limit', retryable: true, outcomeUnknown: false, what: 'the portal request rate limit was hit' })
    case 'OPERATION_TIME_LIMIT':
      return make({
        kind: 'operation_limit',
        retryable: true,
        outcomeUnknown: false,
        resetAt: resetAtOf(envelope),
        what: 'the method used up its operating time on the portal'
      })
    case 'ERROR_METHOD_NOT_FOUND':
      return make({ kind: 'method_not_found', retryable: false, outcomeUnknown: false, what: 'the portal does not know this method' })
    case 'OVERLOAD_LIMIT':
      // Documented as a block, but nothing says it is checked before the method runs: assume it may have run.
      return make({ kind: 'server', retryable: true, outcomeUnknown: true, what: 'REST is blocked on the portal due to overload' })
  }
  if (b24Error !== undefined && AUTH_CODES.has(b24Error.toUpperCase())) {
    return make({ kind: 'auth', retryable: false, outcomeUnknown: false, what: 'the webhook was refused' })
  }
  if (b24Error !== undefined && BATCH_USAGE_CODES.has(b24Error.toUpperCase())) {
    return make({ kind: 'validation', retryable: false, outcomeUnknown: false, what: 'the batch was refused' })
  }

  if (status === 401 || status === 403) {
    return make({ kind: 'auth', retryable: false, outcomeUnknown: false, what: 'the webhook was refused' })
  }
  if (status === 404) {
    // Also covers an HTML 404 from a wrong portal path: a configuration problem, not a transient one.
    return make({
      kind: 'method_not_found',
      retryable: false,
      outcomeUnknown: false,
      what: 'the method or the webhook path was not found'
    })
  }
  if (status === 429) {
    // A 429 without OPERATION_TIME_LIMIT comes from a proxy in front of the portal; it was not processed.
    return make({ kind: 'rate_limit', retryable: true, outcomeUnknown: false, what: 'the request was throttled' })
  }
  if (status === 408) {
    return make({ kind: 'timeout', retryable: true, outcomeUnknown: false, what: 'the portal timed out reading the request' })
  }
  if (status >= 500 && status < 600) {
    // A 500 (SQL error, uncaught exception) or a gateway 502/503/504 can come after the lead was written.
    return make({ kind: 'server', retryable: true, outcomeUnknown: true, what: 'the portal failed' })
  }
  if (status >= 400 && status < 500) {
    // crm answers "Access denied." with an empty code when the webhook owner may not add or read leads:
    // that holds for every submission, so it pauses the portal like an auth error.
    if (b24Error === '' && b24Description !== undefined && /^access denied\.?$/i.test(b24Description)) {
      return make({ kind: 'auth', retryable: false, outcomeUnknown: false, what: 'the webhook owner lacks CRM permission' })
    }
    return make({ kind: 'validation', retryable: false, outcomeUnknown: false, what: 'the portal rejected the request' })
  }
  if (status >= 200 && status < 300) {
    return make({ kind: 'validation', retryable: false, outcomeUnknown: false, what: 'the portal returned an error' })
  }
  return make({ kind: 'bad_reply', retryable: true, outcomeUnknown: true, what: 'unexpected HTTP status' })
}

/**
 * Classifies one failed command of a batch reply (`result_error[key]`, already normalised to
 * {error, description}) with the same table as a whole call; such errors arrive with status 400 inside.
 * An OPERATION_TIME_LIMIT takes its reset time from `entry.time` (see runBatch in ./batch.ts).
 */
export function classifyCommandError (entry: { error: string, description: string, time?: BitrixTime }, method?: string): BitrixError {
  const body = { error: entry.error, error_description: entry.description, ...(entry.time !== undefined ? { time: entry.time } : {}) }
  return classifyReply(400, body, { method, batchCommand: true }) as BitrixError
}

function codeOf (err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const e = err as { code?: unknown, cause?: unknown, errors?: unknown }
  if (typeof e.code === 'string') return e.code
  // Happy-eyeballs connects fail with an AggregateError whose members carry the code.
  if (Array.isArray(e.errors) && e.errors.length > 0) return codeOf(e.errors[0])
  return e.cause === undefined ? undefined : codeOf(e.cause)
}

function isNotSent (code: string): boolean {
  return NOT_SENT_CODES.has(code) || NOT_SENT_PREFIXES.some((prefix) => code.startsWith(prefix))
}

/** Classifies a failure with no usable reply. Always retryable; outcomeUnknown unless the request surely never left. */
export function classifyNetworkError (err: unknown, phase: NetworkPhase, ctx: { method?: string } = {}): BitrixError {
  if (err instanceof BitrixError) return err
  const code = codeOf(err)
  const name = err instanceof Error ? err.name : undefined
  const reason = err instanceof Error ? err.message : String(err)
  const label = code === undefined ? reason : `${code}: ${reason}`
  const notSent = phase === 'request' && code !== undefined && isNotSent(code)
  const isTimeout = name === 'TimeoutError' || (code !== undefined && TIMEOUT_CODES.has(code))
  return new BitrixError({
    kind: isTimeout ? 'timeout' : 'network',
    message: isTimeout
      ? `no reply from the portal in time${notSent ? ' (could not connect)' : ''} (${label})`
      : `${phase === 'request' ? 'the connection failed before a reply' : 'the connection failed while reading the reply'} (${label})`,
    retryable: true,
    outcomeUnknown: !notSent,
    method: ctx.method,
    cause: err
  })
}
