/**
 * The guard in front of admin and status routes: `Authorization: Bearer <ADMIN_TOKEN>`, compared
 * in constant time. With no token configured the routes do not exist (404), so an installation
 * that never set ADMIN_TOKEN exposes nothing.
 *
 *   app.register(async (admin) => {
 *     admin.addHook('onRequest', adminAuth(deps.adminToken))
 *     admin.get('/admin/…', …)
 *   })
 */
import type { FastifyReply, FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { AdminUnauthorizedError } from '../errors.ts'
import type { SignInThrottle } from '../security/sign-in-throttle.ts'
import { safeEqual } from '../security/source-auth.ts'
import { sendJsonError } from './error-handler.ts'

/** The bearer token of an Authorization header, or undefined. */
export function bearerToken (request: FastifyRequest): string | undefined {
  const header = request.headers.authorization
  const match = typeof header === 'string' ? /^Bearer[ ]+(\S+)\s*$/i.exec(header) : null
  return match?.[1]
}

/**
 * An onRequest hook: 404 when `token` is unset, 401 unless the request carries it. With a throttle,
 * a client past its failed sign-ins gets 429 before its token is looked at, and failures are
 * counted and logged there (one line per client and window).
 */
export function adminAuth (token: string | undefined, throttle?: SignInThrottle): onRequestAsyncHookHandler {
  return async function adminAuthHook (request: FastifyRequest, reply: FastifyReply) {
    if (token === undefined || token === '') {
      return sendJsonError(reply, { statusCode: 404, code: 'RELAY_ERR_NOT_FOUND', message: 'Not found' })
    }
    const throttled = (r: FastifyReply, e: { statusCode?: number, code: string, message: string }): FastifyReply =>
      sendJsonError(r, { statusCode: e.statusCode ?? 429, code: e.code, message: e.message })
    if (throttle?.refuseIfBlocked(request, reply, throttled) === true) return reply
    const given = bearerToken(request)
    if (given === undefined || !safeEqual(given, token)) {
      const err = new AdminUnauthorizedError()
      if (throttle !== undefined) throttle.failed(request, request.url.split('?')[0] ?? '')
      else request.log.warn({ code: err.code, ip: request.ip, url: request.url.split('?')[0] }, 'admin request refused')
      return sendJsonError(reply.header('www-authenticate', 'Bearer realm="b24-form-relay"'), {
        statusCode: 401, code: err.code, message: err.message
      })
    }
  }
}
