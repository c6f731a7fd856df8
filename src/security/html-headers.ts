/**
 * @fastify/helmet's headers on every HTML answer (thank-you and error pages, and the pages other
 * modules serve): CSP, frame-ancestors, nosniff, referrer policy, HSTS… JSON answers and scripts
 * are left alone. A route that sets its own Content-Security-Policy keeps it.
 */
import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'

/** The built-in pages' "back" link (javascript:history.back()), allowed by its hash and nothing else. */
export const BACK_LINK_HASH = "'sha256-SmahML3R6+R4SRnsB6tEJ8Z4OVa4Qhk7A/gv3eAiG6s='"

/** Our pages need nothing from other origins; inline styles only, no inline script but the back link. */
export const HTML_CSP_DIRECTIVES = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  scriptSrc: ["'self'", "'unsafe-hashes'", BACK_LINK_HASH],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  frameAncestors: ["'none'"],
  // Form pages post wherever their action says (the relay, a thank-you page): no restriction here.
  formAction: null,
  upgradeInsecureRequests: null
}

export async function htmlSecurityHeaders (app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: false,
    contentSecurityPolicy: { useDefaults: true, directives: HTML_CSP_DIRECTIVES },
    // Pages of other sites load the relay's script and post to it: same-origin policies would break them.
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    crossOriginEmbedderPolicy: false
  })
  app.addHook('onSend', async (_request, reply, payload) => {
    const type = String(reply.getHeader('content-type') ?? '')
    if (!/^text\/html/i.test(type)) return payload
    const ownCsp = reply.getHeader('content-security-policy') !== undefined
    reply.helmet(ownCsp ? { contentSecurityPolicy: false } : undefined)
    return payload
  })
}
