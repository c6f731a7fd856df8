/**
 * The status page in Debian's Chromium: sign in with the admin token, see real data — a portal's
 * state, the queue, 24-hour and 30-day charts built from the store, a dead letter with the portal's
 * own message — press Retry, and keep a screenshot (test-artifacts/status-page.png).
 */
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { ADMIN_TOKEN, buildAdminApp, type AdminTestApp } from '../http/admin-app.ts'

const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const DAY = 86_400_000

describe('status page in Chromium', () => {
  let emulator: Emulator
  let t: AdminTestApp
  let browser: Browser
  let base: string
  let deadId: string
  let setBack = 0

  beforeAll(async () => {
    emulator = await startEmulator({
      rateLimit: false,
      userFields: [{ name: 'UF_CRM_CITY', mandatory: true }],
      quirks: { requiredUserFieldCheck: true }
    })
    t = await buildAdminApp({
      raw: {
        portals: { main: { webhook: emulator.webhookUrl } },
        // "broken" does not fill the portal's mandatory field: the portal refuses its leads with a message.
        forms: { shop: { portal: 'main', fields: { name: 'NAME', city: 'UF_CRM_CITY' } }, broken: { portal: 'main', fields: { name: 'NAME' } } }
      },
      env: {},
      worker: {},
      // The wall clock, set back while the history below is stored.
      now: () => Date.now() - setBack
    })
    // History: submissions received on earlier days, so the 30-day chart has more than today.
    for (const daysAgo of [3, 3, 12, 25]) {
      setBack = daysAgo * DAY
      await t.outbox.enqueue({ formId: 'shop', portalId: 'old', payload: { fields: { NAME: 'old' } } })
    }
    setBack = 0
    for (const name of ['Anna', 'Boris', 'Vera', 'Gleb']) {
      const res = await t.app.inject({ method: 'POST', url: '/f/shop', payload: { name, city: 'Kazan' } })
      expect(res.statusCode).toBe(202)
    }
    deadId = (await t.app.inject({ method: 'POST', url: '/f/broken', payload: { name: 'Dmitry' } })).json<{ id: string }>().id
    await waitFor(async () => {
      const s = await t.outbox.stats()
      return s.delivered === 4 && s.dead === 1
    }, { timeoutMs: 15_000, what: 'four deliveries and one dead letter' })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    const address = t.app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    browser = await launchBrowser()
  })

  afterAll(async () => {
    await browser?.close()
    await t?.close()
    await emulator?.close()
  })

  it('signs in, shows real data and charts, retries a dead letter, and keeps a screenshot', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 1400 } })
    const page = await context.newPage()
    page.setDefaultTimeout(8000)
    const first = await page.goto(`${base}/status`)
    expect(first?.status()).toBe(401)
    await page.fill('input[name=token]', 'not-the-token-at-all')
    await page.click('button[type=submit]')
    expect(await page.textContent('[role=alert]')).toContain('not valid')
    await page.fill('input[name=token]', ADMIN_TOKEN)
    await Promise.all([page.waitForURL(`${base}/status`), page.click('button[type=submit]')])

    const cookie = (await context.cookies()).find(c => c.name === 'relay_status')
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/status' })
    expect(cookie?.value).not.toContain(ADMIN_TOKEN)

    expect(await page.textContent('tr[data-portal="main"] .badge')).toBe('delivering')
    expect(await page.textContent('[data-figure="delivered"]')).toBe('4')
    expect(await page.textContent('[data-figure="dead"]')).toBe('1')
    expect(await page.textContent('[data-figure="pending"]')).toBe('4') // the four old ones wait for a portal that is not configured
    const totals = await page.$$eval('figure.chart', figures => figures.map(f => ({
      title: f.querySelector('figcaption')?.textContent ?? '',
      series: Object.fromEntries([...f.querySelectorAll('g.series')].map(g => [g.getAttribute('data-series'), Number(g.getAttribute('data-total'))])),
      points: f.querySelectorAll('polyline')[0]?.getAttribute('points')?.split(' ').length ?? 0
    })))
    expect(totals).toEqual([
      { title: expect.stringContaining('Last 24 hours'), series: { submissions: 5, deliveries: 4, 'failed attempts': 1 }, points: 24 },
      { title: expect.stringContaining('Last 30 days'), series: { submissions: 9, deliveries: 4, 'failed attempts': 1 }, points: 30 }
    ])
    const row = page.locator(`tr[data-submission="${deadId}"]`)
    expect(await row.textContent()).toContain('dead letter')
    expect(await row.textContent()).toMatch(/RELAY_ERR_B24_VALIDATION.*UF_CRM_CITY/)

    mkdirSync(ARTIFACTS, { recursive: true })
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true })

    const attemptsBefore = (await t.outbox.get(deadId))?.attempts ?? 0
    await Promise.all([page.waitForURL(/done=retried/), row.locator('button').click()])
    expect(await page.textContent('.flash')).toContain(`Submission ${deadId} is queued again.`)
    // The worker tries it again (and the portal refuses it again): one more attempt in its history.
    const again = await waitFor(async () => {
      const rec = await t.outbox.get(deadId)
      return rec !== undefined && rec.status === 'dead' && rec.history.length > attemptsBefore ? rec : undefined
    }, { what: 'the retried attempt' })
    expect(again.history.at(-1)?.outcome).toBe('dead')
    await context.close()
  })

  it('accepts the token once in the address, then drops it from the URL', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    page.setDefaultTimeout(8000)
    await page.goto(`${base}/status?token=${ADMIN_TOKEN}`)
    expect(page.url()).toBe(`${base}/status`)
    expect(await page.textContent('h1')).toContain('status')
    await Promise.all([page.waitForURL(`${base}/status`), page.click('header button[type=submit]')]) // sign out
    expect(await page.locator('input[name=token]').count()).toBe(1)
    await context.close()
  })
})
