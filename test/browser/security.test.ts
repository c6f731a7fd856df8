/**
 * The security rules as a real browser sees them (Debian's Chromium through playwright-core): a page
 * on an allowed origin submits by fetch and reads the JSON answer; a page on another origin is
 * blocked by the browser (both the preflighted JSON post and the "simple" form-encoded one) and
 * nothing is stored; a plain HTML form post follows the 303 to the thank-you page (whose back link
 * works under the CSP), or to `_next` on the allowed origin.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'

interface Site { server: Server, port: number, close: () => Promise<void> }

/** A tiny site: /fetch.html posts by fetch (JSON or form-encoded, per ?mode=), /form.html is a plain form, /thanks is its own page. */
async function startSite (relay: () => string): Promise<Site> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const html = (body: string): void => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><meta charset="utf-8">${body}`)
    }
    if (url.pathname === '/fetch.html') {
      return html(`<title>fetch</title><script>
        window.result = (async () => {
          const json = new URLSearchParams(location.search).get('mode') === 'json'
          try {
            const res = await fetch('${relay()}/f/shop', json
              ? { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, ` +
                `body: JSON.stringify({ name: 'Fetch ' + location.port }) }
              : { method: 'POST', headers: { Accept: 'application/json' }, ` +
                `body: new URLSearchParams({ name: 'Simple ' + location.port }) })
            return { status: res.status, body: await res.json() }
          } catch (err) {
            return { blocked: true, error: String(err) }
          }
        })()
      </script>`)
    }
    if (url.pathname === '/form.html') {
      const next = url.searchParams.get('next')
      return html(`<title>form</title><form method="post" action="${relay()}/f/shop">
        <input name="name" value="Plain Form"><input name="phone" value="+7 900 000-00-00">
        ${next !== null ? `<input type="hidden" name="_next" value="${next}">` : ''}
        <button type="submit">Send</button></form>`)
    }
    if (url.pathname === '/thanks') return html('<title>site thanks</title><h1>Thanks from the site</h1>')
    res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    server,
    port,
    close: async () => { server.closeAllConnections(); await new Promise<void>(resolve => server.close(() => resolve())) }
  }
}

describe('browser: CORS, origin refusal and the plain form flow', () => {
  let browser: Browser
  let outbox: SqliteOutbox
  let app: FastifyInstance
  let relayUrl = ''
  let allowed: Site
  let other: Site

  beforeAll(async () => {
    allowed = await startSite(() => relayUrl)
    other = await startSite(() => relayUrl)
    const config = buildConfig({
      forms: { shop: { portal: 'default', language: 'en', fields: { name: 'NAME', phone: 'PHONE_MOBILE' }, origins: [`http://127.0.0.1:${allowed.port}`] } }
    }, { B24_WEBHOOK_URL: TEST_WEBHOOK })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    app = await buildApp({ config: () => config, outbox })
    await app.listen({ port: 0, host: '127.0.0.1' })
    relayUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    browser = await launchBrowser()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await outbox?.close()
    await allowed?.close()
    await other?.close()
  })

  async function fetchFrom (
    origin: string,
    mode: 'json' | 'simple'
  ): Promise<{ status?: number, body?: { ok: boolean, id?: string }, blocked?: boolean }> {
    const page = await browser.newPage()
    try {
      await page.goto(`${origin}/fetch.html?mode=${mode}`)
      return await page.evaluate(async () => (window as unknown as { result: Promise<never> }).result)
    } finally {
      await page.close()
    }
  }

  const stored = async (): Promise<number> => { const s = await outbox.stats(); return s.pending + s.leased + s.delivered + s.dead }

  it('a page on an allowed origin submits by fetch and reads the JSON answer', async () => {
    for (const mode of ['json', 'simple'] as const) {
      const result = await fetchFrom(`http://127.0.0.1:${allowed.port}`, mode)
      expect(result.status, mode).toBe(202)
      expect(result.body?.ok).toBe(true)
      expect(await outbox.get(result.body?.id ?? '')).toBeDefined()
    }
  })

  it('a page on another origin is blocked by the browser, and nothing is stored', async () => {
    const before = await stored()
    for (const origin of [`http://127.0.0.1:${other.port}`, `http://localhost:${allowed.port}`]) {
      for (const mode of ['json', 'simple'] as const) {
        const result = await fetchFrom(origin, mode)
        expect(result.blocked, `${origin} ${mode}`).toBe(true)
        expect(result.status).toBeUndefined()
      }
    }
    expect(await stored()).toBe(before)
  })

  it('a plain HTML form post follows the 303 to the thank-you page', async () => {
    const page = await browser.newPage()
    try {
      const before = await stored()
      await page.goto(`http://127.0.0.1:${allowed.port}/form.html`)
      await Promise.all([page.waitForURL(`${relayUrl}/f/shop/thanks`), page.click('button[type=submit]')])
      expect(await page.textContent('h1')).toBe('Thank you!')
      expect(await stored()).toBe(before + 1)
      // The page's "back" link still works under its Content-Security-Policy.
      const violations: string[] = []
      page.on('console', m => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()) })
      await Promise.all([page.waitForURL(`http://127.0.0.1:${allowed.port}/form.html`), page.click('a')])
      expect(violations).toEqual([])
    } finally {
      await page.close()
    }
  })

  it('a plain form post with _next on the allowed origin lands there; a foreign _next is ignored', async () => {
    const page = await browser.newPage()
    try {
      const site = `http://127.0.0.1:${allowed.port}`
      await page.goto(`${site}/form.html?next=${encodeURIComponent(`${site}/thanks`)}`)
      await Promise.all([page.waitForURL(`${site}/thanks`), page.click('button[type=submit]')])
      expect(await page.textContent('h1')).toBe('Thanks from the site')
      await page.goto(`${site}/form.html?next=${encodeURIComponent(`http://127.0.0.1:${other.port}/thanks`)}`)
      await Promise.all([page.waitForURL(`${relayUrl}/f/shop/thanks`), page.click('button[type=submit]')])
    } finally {
      await page.close()
    }
  })

  it('a plain form post from another origin is refused', async () => {
    const page = await browser.newPage()
    try {
      const before = await stored()
      await page.goto(`http://127.0.0.1:${other.port}/form.html`)
      const [response] = await Promise.all([
        page.waitForResponse(r => r.url() === `${relayUrl}/f/shop`),
        page.click('button[type=submit]')
      ])
      expect(response.status()).toBe(403)
      expect(response.headers()['x-relay-error']).toBe('RELAY_ERR_ORIGIN_NOT_ALLOWED')
      expect(await stored()).toBe(before)
    } finally {
      await page.close()
    }
  })
})
