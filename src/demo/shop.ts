/**
 * The demo shop: a small site on localhost with a landing page, product pages posting to the relay,
 * a WordPress-like post whose Contact Form 7 form is forwarded as "CF7 to Webhook" would, and a page
 * showing the leads the emulated portal received.
 */
import formbody from '@fastify/formbody'
import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import { productBySlug, PRODUCTS } from './catalog.ts'
import { cf7Page, landingPage, leadsPage, productPage, thanksPage, type Cf7PageState, type PageContext } from './shop-pages.ts'
import { CF7_TAGS, cf7PageUrl, phpPostedValues, sendWebhook, webhookBody } from './wordpress.ts'

export interface ShopOptions {
  port: number
  host: string
  /** Known only once the relay listens, hence a function. */
  relayUrl: () => string
  emulatorUrl: string
  /** The relay form the product pages post to. */
  shopFormId: string
  /** The relay form the CF7 webhook posts to, and the secret header it sends. */
  cf7FormId: string
  cf7Secret: string
}

export interface Shop {
  url: string
  close: () => Promise<void>
}

const html = 'text/html; charset=utf-8'

export async function startShop (opts: ShopOptions): Promise<Shop> {
  const app: FastifyInstance = Fastify({ logger: false })
  await app.register(formbody)
  const ctx = (): PageContext => ({ relayUrl: opts.relayUrl(), shopFormId: opts.shopFormId })
  let home = ''

  app.get('/', async (_request, reply) => reply.type(html).send(landingPage(ctx())))
  app.get('/thanks', async (_request, reply) => reply.type(html).send(thanksPage(ctx())))
  app.get('/leads', async (_request, reply) => reply.type(html).send(leadsPage(ctx(), opts.emulatorUrl)))

  app.get<{ Params: { slug: string } }>('/product/:slug', async (request, reply) => {
    const product = productBySlug(request.params.slug)
    if (product === undefined) return reply.code(404).type(html).send('<h1>404</h1>')
    return reply.type(html).send(productPage(ctx(), product, product.ajax === true))
  })

  // The emulator is another origin: the leads page reads it through the shop.
  app.get('/api/leads', async (_request, reply) => {
    const res = await fetch(`${opts.emulatorUrl}/_emulator/leads`, { signal: AbortSignal.timeout(5000) })
    return reply.type('application/json').send(await res.text())
  })

  app.get<{ Params: { slug: string }, Querystring: { cf7?: string } }>('/wp/:slug/', async (request, reply) => {
    const product = productBySlug(request.params.slug)
    if (product === undefined) return reply.code(404).type(html).send('<h1>404</h1>')
    const status = request.query.cf7
    const state: Cf7PageState = status === 'sent' || status === 'failed' || status === 'invalid' ? { status } : {}
    return reply.type(html).send(cf7Page(ctx(), product, postIdOf(product.slug), state))
  })

  // The leads page's buttons: faults of the emulated portal, set through its control routes.
  app.post<{ Params: { action: string } }>('/api/portal/:action', async (request, reply) => {
    const steps = PORTAL_ACTIONS.get(request.params.action)
    if (steps === undefined) return reply.code(404).send({ error: `unknown action; use ${[...PORTAL_ACTIONS.keys()].join(', ')}` })
    for (const [path, body] of steps) {
      await fetch(`${opts.emulatorUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
        signal: AbortSignal.timeout(5000)
      })
    }
    return { ok: true }
  })

  // What the buttons did, and how the relay sees it (its public /readyz).
  app.get('/api/portal', async () => {
    const status = await (await fetch(`${opts.emulatorUrl}/_emulator/status`, { signal: AbortSignal.timeout(5000) })).json() as
      { revoked: boolean, faults: { status503?: number, delayMs?: unknown } }
    const state = status.revoked
      ? 'revoked'
      : (status.faults.status503 ?? 0) > 0 ? 'failing' : status.faults.delayMs !== undefined ? 'slow' : 'ok'
    let relay: string | undefined
    let waiting: number | undefined
    try {
      const ready = await (await fetch(`${opts.relayUrl()}/readyz`, { signal: AbortSignal.timeout(5000) })).json() as
        { portals?: Record<string, { state?: string }>, queue?: { pending: number, leased: number } | null }
      relay = Object.values(ready.portals ?? {})[0]?.state
      waiting = ready.queue == null ? undefined : ready.queue.pending + ready.queue.leased
    } catch {}
    return { state, relay, waiting }
  })

  // WordPress receiving the CF7 form without JavaScript: validate, then the webhook plugin's request.
  app.post<{ Params: { slug: string } }>('/wp/:slug/', async (request, reply) => {
    const product = productBySlug(request.params.slug)
    if (product === undefined) return reply.code(404).type(html).send('<h1>404</h1>')
    const posted = phpPostedValues((request.body ?? {}) as Record<string, unknown>)
    const back = `/wp/${product.slug}/`
    if (!hasText(posted['your-name']) || !hasText(posted['your-email'])) return reply.redirect(`${back}?cf7=invalid`, 303)
    const { json } = webhookBody(CF7_TAGS, posted, {
      _url: cf7PageUrl(request.headers.referer, home, request.url),
      _post_title: product.name,
      _post_url: `${home}${back}`,
      _remote_ip: request.ip,
      _user_agent: String(request.headers['user-agent'] ?? '')
    })
    const sent = await sendWebhook(`${opts.relayUrl()}/f/${opts.cf7FormId}`, json, {
      'x-relay-secret': opts.cf7Secret,
      'user-agent': `WordPress/6.8; ${home}`
    })
    return reply.redirect(`${back}?cf7=${sent.ok ? 'sent' : 'failed'}`, 303)
  })

  await app.listen({ port: opts.port, host: opts.host })
  const { port } = app.server.address() as AddressInfo
  home = `http://${opts.host}:${port}`
  return { url: home, close: async () => { await app.close() } }
}

const PORTAL_ACTIONS = new Map<string, Array<[string, unknown?]>>([
  ['revoke', [['/_emulator/webhook/revoke']]],
  ['fail', [['/_emulator/faults', { status503: 1 }]]],
  ['slow', [['/_emulator/faults', { delayMs: 3000 }]]],
  ['mend', [['/_emulator/webhook/restore'], ['/_emulator/faults', {}]]]
])

/** A stable WordPress post id per product, as CF7 puts in its unit tag. */
function postIdOf (slug: string): number {
  return 30 + PRODUCTS.findIndex((p) => p.slug === slug)
}

function hasText (value: string | string[] | undefined): boolean {
  return typeof value === 'string' ? value.trim() !== '' : Array.isArray(value) && value.length > 0
}
