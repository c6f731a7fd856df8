/**
 * Secrets never leak: a full scenario — every body kind, spam, refusals of every kind, delivery
 * to emulated portals that accept, refuse the webhook and fail, admin requests with missing and
 * wrong tokens — with every log line (the production logger, at trace level) and every HTTP answer
 * collected. None may contain a configured secret, nor a visitor's full phone number or e-mail.
 */
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { createLogger } from '../../src/observability/logger.ts'
import { createSqliteAdmin } from '../../src/outbox/sqlite-admin.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { signRequest } from '../../src/security/source-auth.ts'
import { openSqliteSpamStore } from '../../src/security/spam-store-sqlite.ts'
import type { SpamStore } from '../../src/security/spam-store.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startFakeCaptcha, type FakeCaptcha } from './fake-captcha.ts'

const ADMIN_TOKEN = 'admin-token-LEAKCHECK-7f3a9c2e41'
const FORM_SECRET = 'form-secret-LEAKCHECK-0b8d6e1f'
const HMAC_SECRET = 'hmac-secret-LEAKCHECK-5c4a3b2d'
const CAPTCHA_SECRET = 'captcha-secret-LEAKCHECK-9e8f'
const HOOK = { ok: 'hookOKLEAKCHECK1', revoked: 'hookREVOKEDLEAKCHECK2', failing: 'hookFAILLEAKCHECK3' }
const PHONE = '+7 912 345-67-89'
const EMAIL = 'leak.check.visitor@example.org'
const PII = [PHONE, '+79123456789', '79123456789', '9123456789', '912 345-67-89', EMAIL, 'leak.check.visitor']

describe('no secret or visitor contact leaks into answers or logs', () => {
  const lines: string[] = []
  const answers: string[] = []
  let emulators: Record<keyof typeof HOOK, Emulator>
  let fake: FakeCaptcha
  let outbox: SqliteOutbox
  let spam: SpamStore
  let worker: DeliveryWorker
  let app: FastifyInstance
  let base = ''

  beforeAll(async () => {
    emulators = {
      ok: await startEmulator({ secret: HOOK.ok }),
      revoked: await startEmulator({ secret: HOOK.revoked }),
      failing: await startEmulator({ secret: HOOK.failing, faults: { next: ['500', 'reset', '500'] } })
    }
    emulators.revoked.revokeWebhook()
    fake = await startFakeCaptcha()
    const config = buildConfig({
      portals: {
        default: { webhook: emulators.ok.webhookUrl },
        revoked: { webhook: emulators.revoked.webhookUrl },
        failing: { webhook: emulators.failing.webhookUrl }
      },
      forms: {
        shop: { portal: 'default', language: 'en', fields: { 'your-name': 'NAME', 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' },
          origins: ['https://shop.example'], errorUrl: 'https://shop.example/oops',
          captcha: { provider: 'turnstile', secret: CAPTCHA_SECRET, verifyUrl: `${fake.url}/turnstile` } },
        plain: { portal: 'default', fields: { 'your-name': 'NAME', 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' } },
        cf7: { portal: 'default', fields: { 'your-name': 'NAME', 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' }, secret: FORM_SECRET, hmacSecret: HMAC_SECRET },
        paused: { portal: 'revoked', fields: { 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' } },
        broken: { portal: 'failing', fields: { 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' } }
      },
      // A short sign-in window, so its one aggregated log line is written during the scenario.
      rateLimit: { perIp: { max: 40, timeWindow: 60_000 }, allowList: [], adminFailures: { max: 10, timeWindow: 200 } },
      delivery: { retryBaseMs: 20, retryMaxMs: 50, maxAttempts: 2, authProbeMs: 100 }
    })
    const destination = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb() } })
    const logger = createLogger({ level: 'trace', destination })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    spam = openSqliteSpamStore(':memory:')
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, admin: createSqliteAdmin(outbox), logger, spamStore: spam, adminToken: ADMIN_TOKEN, onAccepted: id => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    worker.start()
  })

  afterAll(async () => {
    await app.close()
    await worker.stop()
    await outbox.close()
    await spam.close()
    await fake.close()
    for (const e of Object.values(emulators)) await e.close()
  })

  async function send (path: string, init: { method?: string, body?: string, headers?: Record<string, string> }): Promise<Response> {
    const res = await fetch(base + path, { method: init.method ?? 'POST', redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}), headers: init.headers ?? {} })
    const text = await res.text()
    answers.push(`${res.status} ${JSON.stringify([...res.headers])}\n${text}`)
    return res
  }

  const values = { 'your-name': 'Лика', 'your-phone': PHONE, 'your-email': EMAIL }
  const urlencoded = new URLSearchParams(values).toString()
  const json = JSON.stringify(values)
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' }
  const JSONH = { 'content-type': 'application/json', accept: 'application/json' }

  function multipart (fields: Record<string, string>): { body: string, headers: Record<string, string> } {
    const b = 'leakcheckboundary'
    const body = Object.entries(fields).map(([k, v]) => `--${b}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`).join('') +
      `--${b}\r\nContent-Disposition: form-data; name="cv"; filename="cv.txt"\r\nContent-Type: text/plain\r\n\r\n${PHONE} ${EMAIL}\r\n--${b}--\r\n`
    return { body, headers: { 'content-type': `multipart/form-data; boundary=${b}`, accept: 'application/json' } }
  }

  it('runs the scenario', async () => {
    // Every body kind, accepted.
    expect((await send('/f/plain', { body: urlencoded, headers: FORM })).status).toBe(303)
    expect((await send('/f/plain', { body: json, headers: JSONH })).status).toBe(202)
    expect((await send('/f/plain', { body: json.replace('Лика', 'Text'), headers: { 'content-type': 'text/plain' } })).status).toBe(202)
    const mp = multipart({ ...values, 'your-name': 'Multi' })
    expect((await send('/f/plain', mp)).status).toBe(202)
    expect((await send('/f/shop', { body: urlencoded + '&cf-turnstile-response=good', headers: { ...FORM, origin: 'https://shop.example' } })).status).toBe(303)
    // Server-to-server: secret header, signature, and their refusals.
    expect((await send('/f/cf7', { body: json.replace('Лика', 'CF7'), headers: { ...JSONH, 'x-relay-secret': FORM_SECRET } })).status).toBe(202)
    const ts = String(Math.floor(Date.now() / 1000))
    const signedBody = json.replace('Лика', 'Signed')
    expect((await send('/f/cf7', { body: signedBody, headers: { ...JSONH, 'x-relay-timestamp': ts, 'x-relay-signature': signRequest(HMAC_SECRET, { method: 'POST', path: '/f/cf7', contentType: JSONH['content-type'], timestamp: ts, body: signedBody }) } })).status).toBe(202)
    expect((await send('/f/cf7', { body: json, headers: { ...JSONH, 'x-relay-secret': 'not-the-secret-at-all' } })).status).toBe(401)
    expect((await send('/f/cf7', { body: json, headers: { ...JSONH, 'x-relay-timestamp': ts, 'x-relay-signature': 'sha256=00' } })).status).toBe(401)
    // Spam of each kind, refusals of each kind.
    expect((await send('/f/shop', { body: urlencoded + '&cf-turnstile-response=bad', headers: { ...FORM, origin: 'https://shop.example' } })).status).toBe(303)
    expect((await send('/f/shop', { body: json, headers: JSONH })).status).toBe(202) // no token
    expect((await send('/f/plain', { body: urlencoded + '&_gotcha=x', headers: FORM })).status).toBe(303)
    expect((await send('/f/plain', { body: `${urlencoded}&_ts=${Date.now()}`, headers: FORM })).status).toBe(303)
    expect((await send('/f/shop', { body: urlencoded, headers: { ...FORM, origin: 'https://evil.example' } })).status).toBe(303) // to errorUrl
    expect((await send('/f/plain', { body: json.replace(EMAIL, 'not-an-email ' + PHONE), headers: JSONH })).status).toBe(400)
    expect((await send('/f/plain', { body: `{"your-phone":"${PHONE}", "your-email": "${EMAIL}",`, headers: JSONH })).status).toBe(400)
    expect((await send('/f/plain', { body: `your-phone=${PHONE}&your-email=${EMAIL}&bad=%zz`, headers: FORM })).status).toBe(400)
    expect((await send('/f/plain', { body: `{"your-email":"${EMAIL}","x":{"nested":"${PHONE}"}}`, headers: JSONH })).status).toBe(400)
    expect((await send('/f/nope', { body: json, headers: JSONH })).status).toBe(404)
    // Delivery that is refused (webhook revoked) and that fails (5xx, reset, validation).
    expect((await send('/f/paused', { body: json, headers: JSONH })).status).toBe(202)
    expect((await send('/f/broken', { body: json, headers: JSONH })).status).toBe(202)
    // Admin with no token, a wrong one, a wrong scheme.
    expect((await send('/admin/submissions', { method: 'GET' })).status).toBe(401)
    expect((await send('/admin/submissions', { method: 'GET', headers: { authorization: 'Bearer wrong-token-value-123456' } })).status).toBe(401)
    expect((await send('/admin/submissions', { method: 'GET', headers: { authorization: `Basic ${ADMIN_TOKEN}` } })).status).toBe(401)
    // Rate limited.
    let limited = 0
    for (let i = 0; i < 30 && limited === 0; i++) if ((await send('/f/plain', { body: json.replace('Лика', `N${i}`), headers: JSONH })).status === 429) limited++
    expect(limited).toBe(1)

    await waitFor(() => emulators.ok.leads().length >= 8, { what: 'leads on the working portal', timeoutMs: 15_000 })
    await waitFor(() => lines.some(l => l.includes('PORTAL PAUSED')), { what: 'the paused portal', timeoutMs: 15_000 })
    await waitFor(() => lines.some(l => l.includes('submission dead-lettered')), { what: 'the dead letter', timeoutMs: 15_000 })
    await waitFor(() => lines.some(l => l.includes('admin sign-ins failed')), { what: 'the failed sign-ins line', timeoutMs: 15_000 })
    // What the portal holds is the visitor's data (that is the point): the emulator is not the relay.
    expect(JSON.stringify(emulators.ok.leads())).toContain('+79123456789')
  })

  it('the scenario produced what it should have', () => {
    const all = lines.join('')
    for (const event of ['submission accepted', 'submission held as spam', 'submission refused', 'admin sign-ins failed', 'lead delivered', 'PORTAL PAUSED', 'submission dead-lettered']) {
      expect(all, event).toContain(event)
    }
    expect(answers.length).toBeGreaterThan(25)
  })

  it('no log line and no answer contains a configured secret', () => {
    const secrets = [ADMIN_TOKEN, FORM_SECRET, HMAC_SECRET, CAPTCHA_SECRET, ...Object.values(HOOK)]
    for (const [what, texts] of [['log', lines], ['answer', answers]] as const) {
      for (const text of texts) {
        for (const secret of secrets) expect(text.includes(secret), `${what} contains ${secret}: ${text.slice(0, 400)}`).toBe(false)
      }
    }
  })

  it('no log line and no answer contains a visitor\'s full phone number or e-mail', () => {
    for (const [what, texts] of [['log', lines], ['answer', answers]] as const) {
      for (const text of texts) {
        for (const pii of PII) expect(text.includes(pii), `${what} contains ${pii}: ${text.slice(0, 400)}`).toBe(false)
      }
    }
  })
})
