/**
 * The demo's operator side in Chromium: the leads page breaks the emulated portal (revoked webhook,
 * 503s, slow answers), the relay holds the lead meanwhile and delivers it once mended, and the printed
 * status page link signs the operator in.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDemo, type Demo } from '../../src/demo/start-demo.ts'
import { launchBrowser } from '../helpers/browser.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('demo: break and mend the portal from the leads page', () => {
  let demo: Demo
  let browser: Browser
  let page: Page

  beforeAll(async () => {
    demo = await startDemo({ ports: { relay: 0, emulator: 0, shop: 0 }, outboxUrl: 'sqlite::memory:' })
    browser = await launchBrowser()
    page = await (await browser.newContext()).newPage()
    await page.goto(demo.urls.leads)
  })

  afterAll(async () => {
    await browser?.close()
    await demo?.close()
  })

  const post = async (name: string): Promise<void> => {
    const res = await fetch(`${demo.relayUrl}/f/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `name=${encodeURIComponent(name)}&phone=%2B7 900 123-45-67`
    })
    expect(res.status).toBe(202)
  }
  const shows = async (selector: string, text: string): Promise<void> => {
    await page.waitForFunction(([s, t]) => document.querySelector(s!)?.textContent === t, [selector, text], { timeout: 30_000 })
  }

  it('revoke: the relay pauses and holds the lead; mend: the lead arrives', async () => {
    await shows('#portal-state', 'работает')
    await page.click('button[data-action="revoke"]')
    await shows('#portal-state', 'вебхук отозван')
    await post('Held Lead')
    await shows('#relay-state', 'paused_auth')
    await shows('#waiting', '1')
    expect(demo.emulator.leads().some(l => l.fields.NAME === 'Held Lead')).toBe(false)
    await page.click('button[data-action="mend"]')
    await shows('#portal-state', 'работает')
    await page.waitForSelector('#leads tr pre:text-is("Held Lead")', { timeout: 30_000 })
    await shows('#waiting', '0')
  }, 90_000)

  it('503s and slow answers are shown and mended the same way', async () => {
    await page.click('button[data-action="fail"]')
    await shows('#portal-state', 'отвечает 503')
    await page.click('button[data-action="slow"]')
    await shows('#portal-state', 'отвечает медленно (3 с)')
    await post('Slow Lead')
    await waitFor(() => demo.emulator.leads().some(l => l.fields.NAME === 'Slow Lead'), { timeoutMs: 30_000, what: 'the slow lead' })
    await page.click('button[data-action="mend"]')
    await shows('#portal-state', 'работает')
  }, 90_000)

  it('the printed status page link signs the operator in', async () => {
    expect(demo.urls.status).toBe(`${demo.relayUrl}/status?token=${demo.adminToken}`)
    const status = await (await browser.newContext()).newPage()
    await status.goto(demo.urls.status)
    expect(status.url()).toBe(`${demo.relayUrl}/status`)
    expect(await status.content()).toContain('default')
    expect(await page.getAttribute('a[href$="/status"]', 'href')).toBe(`${demo.relayUrl}/status`)
  }, 30_000)
})
