/**
 * Sign-in for the status page. A browser cannot send a bearer header by itself, so the admin token
 * is given once (login form or ?token=) and exchanged for an HttpOnly, SameSite=Strict cookie. The
 * cookie holds an HMAC of the token, not the token, and every comparison takes constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import type { FastifyRequest } from 'fastify'

export const SESSION_COOKIE = 'relay_status'
const SESSION_HOURS = 12

/** Equal-length digests make timingSafeEqual usable for inputs of any length. */
export function sameSecret (given: string | undefined, expected: string): boolean {
  if (given === undefined) return false
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}

/** What the cookie holds: changes when ADMIN_TOKEN changes, reveals nothing about it. */
export function sessionValue (token: string): string {
  return createHmac('sha256', token).update('b24-form-relay status page session v1').digest('base64url')
}

export function readCookie (header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}

function bearer (request: FastifyRequest): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')
  return m?.[1]
}

/** A valid session cookie or bearer header. */
export function isSignedIn (request: FastifyRequest, token: string): boolean {
  return sameSecret(readCookie(request.headers.cookie, SESSION_COOKIE), sessionValue(token)) || sameSecret(bearer(request), token)
}

export function sessionCookie (token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${sessionValue(token)}; Path=/status; HttpOnly; SameSite=Strict; ` +
    `Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`
}

export function clearedCookie (): string {
  return `${SESSION_COOKIE}=; Path=/status; HttpOnly; SameSite=Strict; Max-Age=0`
}

/**
 * Forms on the page post back to the same origin. SameSite=Strict already keeps the cookie off
 * cross-site posts; refusing a foreign Origin header as well covers older browsers. A page sent
 * with Referrer-Policy no-referrer makes browsers post `Origin: null`, hence same-origin there.
 */
export function sameOrigin (request: FastifyRequest): boolean {
  const origin = request.headers.origin
  if (origin === undefined || origin === 'null') return origin === undefined
  try {
    // Through URL on both sides, so a default port (:80, :443) compares equal whether written or not.
    return new URL(origin).host === new URL(`${request.protocol}://${request.host}`).host
  } catch {
    return false
  }
}
