/**
 * /metrics: intake outcomes by form and code, HTTP requests by route pattern, delivery outcomes,
 * retries by error class, call latency and batch sizes from a real worker on the emulator, store
 * gauges, the optional scrape token, and registries that do not leak between apps.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { buildAdminApp, type AdminTestApp } from './admin-app.ts'

/** The value of one sample line, e.g. value(text, 'relay_queue_depth{portal="main"}'). */
function value (text: string, sample: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(sample + ' '))
  return line === undefined ? undefined : Number(line.slice(sample.length + 1))
}

describe('/metrics', () => {
  let t: AdminTestApp | undefined
  let other: AdminTestApp | undefined
  let emulator: Emulator | undefined
  afterEach(async () => {
    await t?.close()
    await other?.close()
    await emulator?.close()
    t = other = emulator = undefined
  })

  const scrape = async (app: AdminTestApp, headers: Record<string, string> = {}): Promise<string> => {
    const res = await app.app.inject({ url: '/metrics', headers })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    return res.body
  }

  it('counts submissions by form and outcome (accepted, duplicate, refused by code, spam) and requests by route', async () => {
    t = await buildAdminApp()
    const post = async (url: string, payload: unknown): Promise<number> => (await t!.app.inject({
      method: 'POST',
      url,
      payload: payload as Record<string, string>
    })).statusCode
    expect(await post('/f/default', { name: 'Anna', phone: '+79001234567' })).toBe(202)
    expect(await post('/f/default', { name: 'Anna', phone: '+79001234567' })).toBe(202) // the same again: duplicate
    expect(await post('/f/default', { name: 'Boris', email: 'not-an-address' })).toBe(400)
    expect(await post('/f/no-such-form', { name: 'x' })).toBe(404)
    expect(await post('/f/another-unknown', { name: 'x' })).toBe(404)
    t.metrics.spam.inc({ form: 'default', reason: 'honeypot' })
    await t.app.inject({ url: '/admin/submissions/01ABC' }) // 401, no token
    const text = await scrape(t)
    expect(value(text, 'relay_submissions_total{form="default",outcome="accepted",code=""}')).toBe(1)
    expect(value(text, 'relay_submissions_total{form="default",outcome="duplicate",code=""}')).toBe(1)
    expect(value(text, 'relay_submissions_total{form="default",outcome="refused",code="RELAY_ERR_VALIDATION"}')).toBe(1)
    // Unknown form ids are visitor input: one label for all of them.
    expect(value(text, 'relay_submissions_total{form="(unknown)",outcome="refused",code="RELAY_ERR_UNKNOWN_FORM"}')).toBe(2)
    expect(value(text, 'relay_submissions_total{form="default",outcome="spam",code=""}')).toBe(1)
    expect(value(text, 'relay_spam_rejected_total{form="default",reason="honeypot"}')).toBe(1)
    expect(value(text, 'relay_http_requests_total{method="POST",route="/f/:formId",status="202"}')).toBe(2)
    expect(value(text, 'relay_http_requests_total{method="GET",route="/admin/submissions/:id",status="401"}')).toBe(1)
    expect(text).not.toContain('01ABC')
    expect(value(text, 'relay_http_request_duration_seconds_count{method="POST",route="/f/:formId"}')).toBe(5)
    expect(value(text, 'relay_queue_depth{portal="default"}')).toBe(1)
    expect(value(text, 'relay_dead_letters{portal="default"}')).toBe(0)
  })

  it('reports deliveries, retries by error class, Bitrix24 call latency, batch sizes and portal state from a real worker', async () => {
    emulator = await startEmulator({ rateLimit: false, faults: { next: ['500'] } })
    t = await buildAdminApp({
      raw: {
        portals: { main: { webhook: emulator.webhookUrl } },
        forms: { f: { portal: 'main', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } } },
        delivery: { retryBaseMs: 50, retryMaxMs: 100 }
      },
      env: {},
      worker: {}
    })
    const ids: string[] = []
    for (const name of ['Anna', 'Boris', 'Vera']) {
      const res = await t.app.inject({ method: 'POST', url: '/f/f', payload: { name, phone: '+79001234567' } })
      ids.push(res.json<{ id: string }>().id)
    }
    await waitFor(async () => (await t!.outbox.stats()).delivered === 3, { timeoutMs: 15_000, what: 'three deliveries' })
    const text = await scrape(t)
    // The first call got a 500: every claimed submission was retried as class "server", then looked up and delivered.
    const retried = value(text, 'relay_delivery_retries_total{portal="main",class="server"}') ?? 0
    expect(retried).toBeGreaterThanOrEqual(1)
    expect(value(text, 'relay_deliveries_total{portal="main",outcome="retry"}')).toBe(retried)
    expect((value(text, 'relay_deliveries_total{portal="main",outcome="delivered"}') ?? 0) +
      (value(text, 'relay_deliveries_total{portal="main",outcome="recovered"}') ?? 0)).toBe(3)
    expect(value(text, 'relay_b24_call_duration_seconds_count{portal="main",method="batch",outcome="server"}')).toBe(1)
    expect(value(text, 'relay_b24_call_duration_seconds_count{portal="main",method="batch",outcome="ok"}')).toBeGreaterThanOrEqual(1)
    expect(value(text, 'relay_batch_size_sum{portal="main"}')).toBeGreaterThanOrEqual(3 + retried)
    expect(value(text, 'relay_portal_state{portal="main",state="ok"}')).toBe(1)
    expect(value(text, 'relay_portal_state{portal="main",state="paused_auth"}')).toBe(0)
    expect(value(text, 'relay_queue_depth{portal="main"}')).toBe(0)
    expect(value(text, 'relay_oldest_pending_age_seconds')).toBe(0)
  })

  it('wants the scrape token when one is configured', async () => {
    t = await buildAdminApp({ deps: { metricsToken: 'scrape-token-0123456789' } })
    expect((await t.app.inject({ url: '/metrics' })).statusCode).toBe(401)
    expect((await t.app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode).toBe(401)
    await scrape(t, { authorization: 'Bearer scrape-token-0123456789' })
  })

  it('each app counts on its own registry', async () => {
    t = await buildAdminApp()
    other = await buildAdminApp()
    await t.app.inject({ method: 'POST', url: '/f/default', payload: { name: 'Anna' } })
    expect(value(await scrape(t), 'relay_submissions_total{form="default",outcome="accepted",code=""}')).toBe(1)
    expect(value(await scrape(other), 'relay_submissions_total{form="default",outcome="accepted",code=""}')).toBeUndefined()
  })
})
