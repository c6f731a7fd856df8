/**
 * Server-to-server senders (Contact Form 7's webhook, scripts) prove who they are with the form's
 * shared secret in X-Relay-Secret, or an HMAC-SHA256 signature in X-Relay-Signature over the method,
 * the path, the Content-Type, the timestamp and the raw body (X-Relay-Timestamp in Unix seconds,
 * 5-minute window; each signature is accepted once). All comparisons are constant-time. Signatures
 * cover urlencoded, JSON and text bodies; multipart must use the secret.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import type { FormConfig } from '../config/schema.ts'
import { SignatureReplayedError, UnauthenticatedSourceError } from '../errors.ts'
import { headerText } from '../http/header-text.ts'
import type { ReplayCache } from './replay-cache.ts'

export const SECRET_HEADER = 'x-relay-secret'
export const SIGNATURE_HEADER = 'x-relay-signature'
export const TIMESTAMP_HEADER = 'x-relay-timestamp'
/** How far a signed request's timestamp may be from the relay's clock, either way. */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000

/** How a request was authenticated: not at all, by the shared secret, or by a signature still to check against the body. */
export type SourceAuth =
  | { kind: 'anonymous' }
  | { kind: 'secret' }
  | { kind: 'signature', timestamp: string, signature: string, method: string, path: string, contentType: string }

/** Constant-time equality of two strings of any length (both are hashed first). */
export function safeEqual (a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

export interface SignedRequest {
  /** Upper case, e.g. POST. */
  method: string
  /** The request target exactly as sent: path and query, e.g. /f/cf7. */
  path: string
  /** The Content-Type header exactly as sent ('' when absent). */
  contentType: string
  timestamp: string
  body: Buffer | string
}

/**
 * The value of X-Relay-Signature: `sha256=` + hex HMAC-SHA256 of
 * `<METHOD>\n<path>\n<content-type>\n<timestamp>\n<body>` (docs/security.md has a curl example).
 * The content type is signed so the same bytes cannot be replayed as another kind of body.
 */
export function signRequest (hmacSecret: string, r: SignedRequest): string {
  return 'sha256=' + createHmac('sha256', hmacSecret)
    .update(`${r.method.toUpperCase()}\n${r.path}\n${r.contentType}\n${r.timestamp}\n`)
    .update(r.body)
    .digest('hex')
}

/** True when the request carries the form's shared secret (cheap: used before the body is read). */
export function hasValidSecret (request: FastifyRequest, form: FormConfig | undefined): boolean {
  const secret = headerText(request.headers[SECRET_HEADER])
  return form?.secret !== undefined && secret !== undefined && safeEqual(secret, form.secret)
}

export function requiresAuth (form: FormConfig): boolean {
  return form.secret !== undefined || form.hmacSecret !== undefined
}

/**
 * Checks what can be checked before the body is read: the secret header, or that a signature is
 * present and its timestamp fresh. Throws 401 RELAY_ERR_UNAUTHENTICATED_SOURCE otherwise.
 */
export function authenticateHeaders (request: FastifyRequest, form: FormConfig, nowMs: number): SourceAuth {
  if (!requiresAuth(form)) return { kind: 'anonymous' }
  const secret = headerText(request.headers[SECRET_HEADER])
  if (secret !== undefined && form.secret !== undefined) {
    if (safeEqual(secret, form.secret)) return { kind: 'secret' }
    throw new UnauthenticatedSourceError('the X-Relay-Secret header does not match')
  }
  const signature = headerText(request.headers[SIGNATURE_HEADER])
  if (signature !== undefined && form.hmacSecret !== undefined) {
    const timestamp = headerText(request.headers[TIMESTAMP_HEADER]) ?? ''
    if (!/^\d{1,12}$/.test(timestamp)) throw new UnauthenticatedSourceError('X-Relay-Timestamp must be Unix time in seconds')
    if (Math.abs(nowMs - Number(timestamp) * 1000) > REPLAY_WINDOW_MS) {
      throw new UnauthenticatedSourceError('X-Relay-Timestamp is more than 5 minutes away from the relay\'s clock')
    }
    if (/^\s*multipart\//i.test(headerText(request.headers['content-type']) ?? '')) {
      throw new UnauthenticatedSourceError('signatures cover urlencoded and JSON bodies; send multipart with X-Relay-Secret')
    }
    return {
      kind: 'signature',
      timestamp,
      signature,
      method: request.method,
      path: request.raw.url ?? request.url,
      contentType: headerText(request.headers['content-type']) ?? ''
    }
  }
  const expected = [
    form.secret !== undefined ? 'X-Relay-Secret' : '',
    form.hmacSecret !== undefined ? 'X-Relay-Signature with X-Relay-Timestamp' : ''
  ]
  throw new UnauthenticatedSourceError('send ' + expected.filter(Boolean).join(' or '))
}

/**
 * Checks a pending signature against the request and its raw body bytes (401 when it does not match),
 * then refuses one seen before inside the window (401 RELAY_ERR_SIGNATURE_REPLAYED).
 */
export async function verifySignature (auth: SourceAuth, form: FormConfig, body: Buffer | undefined, replays: ReplayCache): Promise<void> {
  if (auth.kind !== 'signature') return
  if (form.hmacSecret === undefined || body === undefined) throw new UnauthenticatedSourceError('the signature cannot be checked')
  const given = auth.signature.trim().toLowerCase()
  const expected = signRequest(form.hmacSecret, { ...auth, body })
  if (!safeEqual(given, expected)) {
    throw new UnauthenticatedSourceError('the X-Relay-Signature does not match the method, path, content type, timestamp and body')
  }
  // Until the timestamp falls out of the window on either side.
  if (!await replays.firstUse(expected, 2 * REPLAY_WINDOW_MS)) throw new SignatureReplayedError()
}
