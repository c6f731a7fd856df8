/**
 * CAPTCHA verification per form against a local fake of each provider's verify endpoint:
 * Turnstile, reCAPTCHA v2 and v3 (score threshold, action), hCaptcha and Yandex SmartCaptcha.
 * A failed, missing or low-scoring token is spam (answered as accepted, never delivered); a provider
 * that cannot answer follows `onError`; authenticated server senders are not asked for a token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildSecureApp, FORM, type SecureApp } from './helpers.ts'
import { startFakeCaptcha, type FakeCaptcha } from './fake-captcha.ts'

const SECRET = 'captcha-secret-value-42'

describe('CAPTCHA per form', () => {
  let fake: FakeCaptcha
  let t: SecureApp

  beforeAll(async () => {
    fake = await startFakeCaptcha()
    const captcha = (provider: string, path: string, extra: Record<string, unknown> = {}) =>
      ({ portal: 'default', fields: { name: 'NAME' }, captcha: { provider, secret: SECRET, verifyUrl: `${fake.url}/${path}`, ...extra } })
    t = await buildSecureApp({
      forms: {
        turnstile: captcha('turnstile', 'turnstile'),
        recaptcha2: captcha('recaptcha-v2', 'recaptcha'),
        recaptcha3: captcha('recaptcha-v3', 'recaptcha', { minScore: 0.6, action: 'submit' }),
        hcaptcha: captcha('hcaptcha', 'hcaptcha', { siteKey: 'site-key-1' }),
        yandex: captcha('yandex', 'yandex'),
        strict: captcha('turnstile', 'turnstile', { onError: 'spam', timeoutMs: 300 }),
        lenient: captcha('turnstile', 'turnstile', { timeoutMs: 300 }),
        cf7: { ...captcha('recaptcha-v3', 'recaptcha'), secret: 'cf7-secret-0123456789abcdef' }
      },
      rateLimit: { perIp: false }
    })
  })
  afterAll(async () => {
    await t.close()
    await fake.close()
  })

  const post = async (formId: string, payload: string, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/f/${formId}`,
      remoteAddress: '203.0.113.77',
      headers: { 'content-type': FORM, accept: 'application/json', ...headers },
      payload
    })
    expect(res.statusCode).toBe(202)
    const id = (res.json() as { id: string }).id
    return { id, delivered: await t.outbox.get(id) !== undefined, spam: await t.spam.get(id) }
  }

  const cases: Array<[string, string, string]> = [
    ['turnstile', 'cf-turnstile-response', '/turnstile'],
    ['recaptcha2', 'g-recaptcha-response', '/recaptcha'],
    ['hcaptcha', 'h-captcha-response', '/hcaptcha'],
    ['yandex', 'smart-token', '/yandex']
  ]

  for (const [formId, field, path] of cases) {
    it(`${formId}: a good token is accepted; the provider got the secret, the token and the visitor's address`, async () => {
      const r = await post(formId, `name=Anna&${field}=good`)
      expect(r.delivered).toBe(true)
      const call = fake.calls.at(-1)
      expect(call?.path).toBe(path)
      expect(call?.params.secret).toBe(SECRET)
      expect(call?.params.response ?? call?.params.token).toBe('good')
      expect(call?.params.remoteip ?? call?.params.ip).toBe('203.0.113.77')
      expect(call?.contentType).toMatch(/x-www-form-urlencoded/)
      if (formId === 'hcaptcha') expect(call?.params.sitekey).toBe('site-key-1')
      const lead = JSON.stringify((await t.outbox.get(r.id))?.payload)
      expect(lead).not.toContain(field)
    })

    it(`${formId}: a refused token and a missing token are spam`, async () => {
      const bad = await post(formId, `name=Bot&${field}=bad`)
      expect(bad.delivered).toBe(false)
      expect(bad.spam?.reason).toBe('captcha_failed')
      const calls = fake.calls.length
      const missing = await post(formId, 'name=Bot')
      expect(missing.spam?.reason).toBe('captcha_missing')
      expect(fake.calls.length).toBe(calls) // nothing to ask the provider
    })
  }

  it('reCAPTCHA v3: a score under minScore is spam, at or above it is accepted', async () => {
    expect((await post('recaptcha3', 'name=Low&g-recaptcha-response=score:0.3')).spam?.reason).toBe('captcha_score')
    expect((await post('recaptcha3', 'name=Edge&g-recaptcha-response=score:0.6')).delivered).toBe(true)
    expect((await post('recaptcha3', 'name=High&g-recaptcha-response=score:0.9')).delivered).toBe(true)
  })

  it('reCAPTCHA v3: a token issued for another action is spam', async () => {
    expect((await post('recaptcha3', 'name=X&g-recaptcha-response=action:login')).spam?.reason).toBe('captcha_action')
  })

  it('reads the Contact Form 7 token field too', async () => {
    expect((await post('recaptcha2', 'name=Anna&_wpcf7_recaptcha_response=good')).delivered).toBe(true)
  })

  it('a provider that fails or answers garbage: accepted by default (onError: accept)', async () => {
    expect((await post('lenient', 'name=A&cf-turnstile-response=http500')).delivered).toBe(true)
    expect((await post('lenient', 'name=B&cf-turnstile-response=garbage')).delivered).toBe(true)
    expect((await post('lenient', 'name=C&cf-turnstile-response=slow')).delivered).toBe(true)
  })

  it('a provider that fails: held as spam with onError: spam', async () => {
    expect((await post('strict', 'name=A&cf-turnstile-response=http500')).spam?.reason).toBe('captcha_unverified')
    expect((await post('strict', 'name=B&cf-turnstile-response=slow')).spam?.reason).toBe('captcha_unverified')
  })

  it('does not ask an authenticated server sender for a token (its site verified it already)', async () => {
    const calls = fake.calls.length
    const r = await post('cf7', 'name=FromWordPress', { 'x-relay-secret': 'cf7-secret-0123456789abcdef' })
    expect(r.delivered).toBe(true)
    expect(fake.calls.length).toBe(calls)
  })

  it('never puts the provider secret into an answer', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/f/turnstile',
      headers: { 'content-type': FORM, accept: 'application/json' },
      payload: 'cf-turnstile-response=bad'
    })
    expect(res.body).not.toContain(SECRET)
  })
})
