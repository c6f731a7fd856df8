/**
 * GET /status: the operator's page (portal states, queue, 24-hour and 30-day charts, recent
 * failures with a Retry button), server-rendered. Off (404) when no admin token is configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { SubmissionNotFoundError } from '../../errors.ts'
import type { ActivitySeries } from '../../outbox/admin-types.ts'
import { requeueAllDead } from '../../outbox/admin-types.ts'
import { allHeld, idSchema } from './admin.ts'
import { readiness, type HealthDeps } from './health.ts'
import type { SignInThrottle } from '../../security/sign-in-throttle.ts'
import { clearedCookie, isSignedIn, sameOrigin, sameSecret, sessionCookie } from './status-page-auth.ts'
import { searchByContact } from './contact-search.ts'
import { loginPage, notFoundPage, statusPage, submissionPage } from './status-page-render.ts'

export interface StatusPageDeps extends HealthDeps {
  /** ADMIN_TOKEN; undefined turns the page off. */
  token: string | undefined
  /** Failed sign-ins per client (src/security/sign-in-throttle.ts). */
  throttle?: SignInThrottle
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
// No script at all: inline styles and same-origin form posts are everything the page needs.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
const flashSchema = z.object({
  done: z.enum(['retried', 'retried-all', 'not-dead', 'released', 'discarded']).optional(),
  n: z.coerce.number().int().min(0).optional(),
  id: idSchema.optional()
})

function html (reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8')
    .header('content-security-policy', CSP).header('cache-control', 'no-store').header('referrer-policy', 'same-origin')
    .header('x-frame-options', 'DENY').send(body)
}

export async function statusPageRoutes (app: FastifyInstance, deps: StatusPageDeps): Promise<void> {
  const token = deps.token
  if (token === undefined || token === '') return

  // The login form is urlencoded; the intake's own parsers live in its plugin and do not reach here.
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) {
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })
  }
  const secure = (request: FastifyRequest): boolean => request.protocol === 'https'
  const refuse = (reply: FastifyReply): FastifyReply => html(reply, 401, loginPage())
  /** Page forms only: signed in, and posted from this origin. */
  const guard = (request: FastifyRequest, reply: FastifyReply): boolean => {
    if (isSignedIn(request, token) && sameOrigin(request)) return true
    refuse(reply)
    return false
  }

  /** True (and answered 429) when this client has failed too often; a wrong token is counted. */
  const blocked = (request: FastifyRequest, reply: FastifyReply): boolean =>
    deps.throttle?.refuseIfBlocked(request, reply, (r, e) => html(r, 429, loginPage(e.message))) === true
  const wrongToken = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    deps.throttle?.failed(request, request.url.split('?')[0] ?? '')
    return html(reply, 401, loginPage('That token is not valid.'))
  }

  app.get('/status', { schema: { hide: true } }, async (request, reply) => {
    const query = request.query as Record<string, unknown>
    if (typeof query.token === 'string') {
      if (blocked(request, reply)) return reply
      if (!sameSecret(query.token, token)) return wrongToken(request, reply)
      // Trade the token for the cookie and drop it from the address bar and history.
      return reply.header('set-cookie', sessionCookie(token, secure(request))).redirect('/status', 303)
    }
    if (!isSignedIn(request, token)) return refuse(reply)
    const now = deps.now()
    const hourStart = Math.floor(now / HOUR) * HOUR
    const dayStart = Math.floor(now / DAY) * DAY
    let hours: ActivitySeries | undefined
    let days: ActivitySeries | undefined
    if (deps.admin !== undefined) {
      [hours, days] = await Promise.all([
        deps.admin.activity({ from: hourStart - 23 * HOUR, to: hourStart + HOUR, bucketMs: HOUR }),
        deps.admin.activity({ from: dayStart - 29 * DAY, to: dayStart + DAY, bucketMs: DAY })
      ])
    }
    const failures = deps.admin !== undefined ? await deps.admin.recentFailures(20) : await deps.outbox.listDead({ limit: 20 })
    const flash = flashText(flashSchema.safeParse(query).data)
    const search = typeof query.q === 'string' && query.q.trim() !== '' ? await contactSearch(query.q.trim().slice(0, 254)) : undefined
    return html(reply, 200, statusPage({
      report: await readiness(deps),
      hours,
      days,
      failures,
      now,
      ...(flash !== undefined ? { flash } : {}),
      ...(search !== undefined ? { search } : {})
    }))
  })

  /** "@" makes it an e-mail, anything else is read as a phone number. */
  const contactSearch = async (q: string): Promise<NonNullable<Parameters<typeof statusPage>[0]['search']>> => {
    if (deps.admin === undefined) return { q, items: [], scanned: 0, more: false, error: 'Search needs the SQLite store.' }
    if (!q.includes('@') && q.replace(/\D/g, '').length < 5) {
      return { q, items: [], scanned: 0, more: false, error: 'Give an e-mail or a phone number.' }
    }
    const found = await searchByContact(deps.admin, q.includes('@') ? { email: q } : { phone: q }, {}, 50)
    return { q, items: found.items, scanned: found.scanned, more: found.next !== undefined && found.items.length === 50 }
  }

  app.get('/status/submissions/:id', { schema: { hide: true } }, async (request, reply) => {
    if (!isSignedIn(request, token)) return refuse(reply)
    const id = idSchema.safeParse((request.params as { id?: unknown }).id)
    const record = id.success ? await deps.outbox.get(id.data) : undefined
    if (record === undefined) return html(reply, 404, notFoundPage(deps.now()))
    return html(reply, 200, submissionPage(record, deps.now()))
  })

  app.post('/status/login', { schema: { hide: true } }, async (request, reply) => {
    if (blocked(request, reply)) return reply
    const given = (request.body as Record<string, unknown> | undefined)?.token
    if (!sameOrigin(request) || typeof given !== 'string' || !sameSecret(given, token)) return wrongToken(request, reply)
    return reply.header('set-cookie', sessionCookie(token, secure(request))).redirect('/status', 303)
  })

  app.post('/status/logout', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('set-cookie', clearedCookie()).redirect('/status', 303))

  app.post('/status/retry/:id', { schema: { hide: true } }, async (request, reply) => {
    if (!guard(request, reply)) return reply
    const id = idSchema.safeParse((request.params as { id?: unknown }).id)
    if (!id.success) throw new SubmissionNotFoundError('(invalid)')
    if (!await deps.outbox.requeueDead(id.data)) {
      // A second click, or another operator was quicker: say so on the page rather than fail.
      const record = await deps.outbox.get(id.data)
      if (record === undefined) throw new SubmissionNotFoundError(id.data)
      return reply.redirect(`/status?done=not-dead&id=${encodeURIComponent(id.data)}`, 303)
    }
    request.log.info({ admin: true, submissionId: id.data }, 'admin requeued a dead letter from the status page')
    return reply.redirect(`/status?done=retried&id=${encodeURIComponent(id.data)}`, 303)
  })

  app.post('/status/held/release', { schema: { hide: true } }, async (request, reply) => {
    if (!guard(request, reply)) return reply
    const n = await allHeld({}, opts => deps.outbox.releaseHeld(opts))
    request.log.info({ admin: true, released: n }, 'admin released held submissions from the status page')
    return reply.redirect(`/status?done=released&n=${n}`, 303)
  })

  app.post('/status/held/discard', { schema: { hide: true } }, async (request, reply) => {
    if (!guard(request, reply)) return reply
    const n = await allHeld({}, opts => deps.outbox.discardHeld(opts))
    request.log.info({ admin: true, discarded: n }, 'admin discarded held submissions from the status page')
    return reply.redirect(`/status?done=discarded&n=${n}`, 303)
  })

  app.post('/status/retry-all', { schema: { hide: true } }, async (request, reply) => {
    if (!guard(request, reply)) return reply
    const n = await requeueAllDead(deps.outbox)
    request.log.info({ admin: true, requeued: n }, 'admin requeued dead letters from the status page')
    return reply.redirect(`/status?done=retried-all&n=${n}`, 303)
  })
}

function flashText (flash: z.infer<typeof flashSchema> | undefined): string | undefined {
  if (flash?.done === 'retried') return `Submission ${flash.id ?? ''} is queued again.`
  if (flash?.done === 'retried-all') return `${flash.n ?? 0} dead letters are queued again.`
  if (flash?.done === 'released') return `${flash.n ?? 0} held submissions released; they are delivered now.`
  if (flash?.done === 'discarded') return `${flash.n ?? 0} held submissions discarded.`
  if (flash?.done === 'not-dead') return `Submission ${flash.id ?? ''} is not a dead letter any more; nothing to retry.`
  return undefined
}
