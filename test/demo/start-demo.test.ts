/**
 * `npm run demo` as a newcomer runs it (src/demo/main.ts as a child process, free ports): it prints
 * the shop's URLs, every page answers, the relay serves embed.js, and a curl-style post becomes a lead
 * the shop's leads feed shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('npm run demo', () => {
  let demo: RelayProcess
  let urls: Record<string, string>

  beforeAll(async () => {
    demo = await startRelayProcess({ PORT: '0', EMULATOR_PORT: '0', SHOP_PORT: '0', OUTBOX_URL: 'sqlite::memory:', LOG_LEVEL: 'warn' },
      { entry: 'src/demo/main.ts', readyMsg: 'Stop with Ctrl+C.', timeoutMs: 30_000 })
    const text = demo.logs.join('\n')
    const find = (label: RegExp): string => {
      const url = label.exec(text)?.[1]
      if (url === undefined) throw new Error(`the demo did not print ${label}:\n${text}`)
      return url
    }
    urls = {
      landing: find(/landing page with ad tags: (\S+)/),
      product: find(/a product page with a form: (\S+)/),
      cf7: find(/a Contact Form 7 form: +(\S+)/),
      leads: find(/the leads Bitrix24 got: +(\S+)/),
      relay: find(/relay: +(\S+)\/f\/default/),
      emulator: find(/emulated Bitrix24: (\S+)\/_emulator\/leads/)
    }
  })

  afterAll(async () => {
    await demo?.kill('SIGTERM')
  })

  it('prints working URLs of the shop, the relay and the emulator', async () => {
    expect(urls.landing).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?utm_source=yandex/)
    for (const url of [urls.landing, urls.product, urls.cf7, urls.leads]) {
      const res = await fetch(url!)
      expect(res.status, url).toBe(200)
      const html = await res.text()
      expect(html, url).toContain(`<script src="${urls.relay}/embed.js" defer></script>`)
    }
    expect(await (await fetch(urls.product!)).text()).toContain(`action="${urls.relay}/f/shop"`)
    expect(await (await fetch(urls.cf7!)).text()).toContain('class="wpcf7-form init"')
    const embed = await fetch(`${urls.relay}/embed.js`)
    expect(embed.status).toBe(200)
    expect(embed.headers.get('content-type')).toBe('text/javascript; charset=utf-8')
  })

  it('the README\'s curl becomes a lead that the leads feed shows', async () => {
    const res = await fetch(`${urls.relay}/f/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'name=Иван&phone=+7 900 123-45-67&utm_source=yandex'
    })
    expect(res.status).toBe(202)
    const feed = new URL('/api/leads', urls.leads).href
    const leads = await waitFor(async () => {
      const list = await (await fetch(feed)).json() as Array<{ fields: Record<string, unknown> }>
      return list.find((lead) => lead.fields.NAME === 'Иван') !== undefined ? list : undefined
    }, { timeoutMs: 15_000, what: 'the lead in the shop\'s feed' })
    expect(leads.find((lead) => lead.fields.NAME === 'Иван')?.fields.UTM_SOURCE).toBe('yandex')
  })
})
