/**
 * Which page origins may post to a form: the form's `origins` list (exact origins, `*.` wildcard
 * subdomains, or `*`), plus the relay's own origin. No list means any origin.
 */
import type { FastifyRequest } from 'fastify'
import { OriginNotAllowedError } from '../errors.ts'
import { headerText } from '../http/header-text.ts'

/** The Origin header as browsers send it; `null` (sandboxed frames, file://) stays "null". */
export function requestOrigin (request: FastifyRequest): string | undefined {
  return headerText(request.headers.origin)
}

/** The relay's own origin for this request (honours X-Forwarded-Proto/Host only from trusted proxies). */
export function selfOrigin (request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`.toLowerCase()
}

/** Parses an origin or URL to its normalised origin, or undefined for "null" and garbage. */
export function normaliseOrigin (value: string): string | undefined {
  try {
    const url = new URL(value)
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
    return url.origin
  } catch {
    return undefined
  }
}

/** True when `origin` (normalised) matches one entry of the list. */
export function originInList (origins: readonly string[], origin: string): boolean {
  for (const entry of origins) {
    if (entry === '*' || entry === origin) return true
    const star = entry.indexOf('://*.')
    if (star !== -1) {
      const scheme = entry.slice(0, star + 3)
      const suffix = entry.slice(star + 4) // ".shop.example[:port]"
      if (origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length &&
        !origin.slice(scheme.length, origin.length - suffix.length).includes(':')) return true
    }
  }
  return false
}

/**
 * May a request carrying this Origin header post to the form? No header (server-to-server, curl,
 * old browsers) is not a cross-site browser request and passes; the relay's own pages pass.
 */
export function isOriginAllowed (origins: readonly string[] | undefined, header: string | undefined, self: string): boolean {
  if (header === undefined || origins === undefined) return true
  const origin = normaliseOrigin(header)
  if (origin === undefined) return false
  return origin === self || originInList(origins, origin)
}

/** Throws 403 RELAY_ERR_ORIGIN_NOT_ALLOWED for a browser on a page the form does not list. */
export function assertOriginAllowed (request: FastifyRequest, origins: readonly string[] | undefined): void {
  const header = requestOrigin(request)
  if (!isOriginAllowed(origins, header, selfOrigin(request))) throw new OriginNotAllowedError((header ?? '').slice(0, 100))
}
