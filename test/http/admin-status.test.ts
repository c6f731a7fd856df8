/** The status page's guard without a browser: cookie and bearer sign-in, foreign-origin posts refused, headers. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionValue } from '../../src/http/routes/status-page-auth.ts'
import { ADMIN_TOKEN, auth, buildAdminApp, type AdminTestApp } from './admin-app.ts'

describe('status page guard', () => {
  let t: AdminTestApp
  let deadId: string
  beforeEach(async () => {
    t = await buildAdminApp()
    deadId = (await t.app.inject({
      method: 'POST',
      url: '/f/default',
      payload: { name: 'Anna', email: 'anna@example.com' }
    })).json<{ id: string }>().id
    const [c] = await t.outbox.claim({ limit: 1, leaseMs: 60_000 })
    await t.outbox.deadLetter(c!.id, c!.leaseToken, {
      code: 'RELAY_ERR_B24_VALIDATION',
      message: 'Email anna@example.com is not valid<br />'
    })
  })
  afterEach(async () => { await t.close() })

  const cookie = `relay_status=${sessionValue(ADMIN_TOKEN)}`
  const host = 'relay.example:8080'

  it('shows the sign-in page (401) without a session, the page with a cookie or a bearer header', async () => {
    const anon = await t.app.inject({ url: '/status' })
    expect(anon.statusCode).toBe(401)
    expect(anon.body).toContain('name="token"')
    expect(anon.body).not.toContain(deadId)
    for (const headers of [{ cookie }, auth]) {
      const res = await t.app.inject({ url: '/status', headers })
      expect(res.statusCode).toBe(200)
      expect(res.body).toContain(deadId)
      expect(res.body).toContain('Email a***@example.com is not valid')
      expect(res.body).not.toContain('anna@example.com')
      expect(res.body).not.toContain('<br />is')
    }
    const forged = await t.app.inject({ url: '/status', headers: { cookie: `relay_status=${sessionValue('another-token-0123456789')}` } })
    expect(forged.statusCode).toBe(401)
    expect((await t.app.inject({ url: '/status?token=wrong-token' })).statusCode).toBe(401)
  })

  it('sends a no-script CSP, no-store and frame denial', async () => {
    const res = await t.app.inject({ url: '/status', headers: { cookie } })
    expect(res.headers['content-security-policy'])
      .toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
    expect(res.headers['cache-control']).toBe('no-store')
    expect(res.headers['x-frame-options']).toBe('DENY')
    expect(res.body).not.toMatch(/<script/i)
  })

  it('retries from the page only for a signed-in, same-origin post', async () => {
    const post = async (headers: Record<string, string>): Promise<number> =>
      (await t.app.inject({ method: 'POST', url: `/status/retry/${deadId}`, headers: { host, ...headers } })).statusCode
    expect(await post({ origin: `http://${host}` })).toBe(401) // no session
    expect(await post({ cookie, origin: 'https://evil.example' })).toBe(401)
    expect(await post({ cookie, origin: 'null' })).toBe(401)
    expect((await t.outbox.get(deadId))?.status).toBe('dead')
    const ok = await t.app.inject({ method: 'POST', url: `/status/retry/${deadId}`, headers: { host, cookie, origin: `http://${host}` } })
    expect(ok.statusCode).toBe(303)
    expect(ok.headers.location).toBe(`/status?done=retried&id=${deadId}`)
    expect((await t.outbox.get(deadId))?.status).toBe('pending')
    const twice = await t.app.inject({ method: 'POST', url: `/status/retry/${deadId}`, headers: { host, cookie } })
    expect(twice.headers.location).toBe(`/status?done=not-dead&id=${deadId}`)
    const page = await t.app.inject({ url: `/status?done=not-dead&id=${deadId}`, headers: { cookie } })
    expect(page.body).toContain(`Submission ${deadId} is not a dead letter any more`)
  })

  it('signs in through the login form and signs out again', async () => {
    const login = await t.app.inject({ method: 'POST', url: '/status/login', headers: { host, origin: `http://${host}`, 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${ADMIN_TOKEN}` })
    expect(login.statusCode).toBe(303)
    expect(String(login.headers['set-cookie']))
      .toBe(`relay_status=${sessionValue(ADMIN_TOKEN)}; Path=/status; HttpOnly; SameSite=Strict; Max-Age=43200`)
    const logout = await t.app.inject({ method: 'POST', url: '/status/logout', headers: { cookie } })
    expect(String(logout.headers['set-cookie'])).toContain('Max-Age=0')
  })
})
