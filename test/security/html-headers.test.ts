/**
 * helmet's headers on HTML answers (the thank-you and error pages): CSP with frame-ancestors
 * 'none', nosniff, a referrer policy, no framing; JSON answers are left alone.
 */
import { createHash } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorPage, thanksPage } from '../../src/http/pages.ts'
import { BACK_LINK_HASH } from '../../src/security/html-headers.ts'
import { buildSecureApp, FORM, type SecureApp } from './helpers.ts'

describe('security headers on HTML', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({ forms: { shop: { portal: 'default', language: 'en', fields: { email: 'EMAIL' } } } })
  })
  afterAll(async () => t.close())

  const expectHelmet = (headers: Record<string, unknown>): void => {
    const csp = String(headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toContain("object-src 'none'")
    expect(csp).not.toContain('unsafe-eval')
    expect(headers['x-content-type-options']).toBe('nosniff')
    expect(headers['x-frame-options']).toBe('SAMEORIGIN')
    expect(headers['referrer-policy']).toBe('no-referrer')
    expect(headers['strict-transport-security']).toMatch(/max-age=\d+/)
    // Other sites' pages load the relay's script and post to it.
    expect(headers['cross-origin-resource-policy']).toBe('cross-origin')
  }

  it('on the thank-you page', async () => {
    const res = await t.app.inject({ url: '/f/shop/thanks' })
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expectHelmet(res.headers)
  })

  it('on the error page a browser gets', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/f/shop', headers: { 'content-type': FORM }, payload: 'email=not-an-email' })
    expect(res.statusCode).toBe(400)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    expectHelmet(res.headers)
  })

  it('allows exactly the inline script the built-in pages carry (their back link), by hash', () => {
    for (const html of [thanksPage('en'), errorPage('ru', 'x')]) {
      const scripts = [...html.matchAll(/href="(javascript:[^"]*)"/g)].map(m => m[1] as string)
      expect(html).not.toMatch(/<script|\son\w+=/i)
      for (const s of scripts) expect(`'sha256-${createHash('sha256').update(s).digest('base64')}'`).toBe(BACK_LINK_HASH)
    }
  })

  it('not on JSON answers', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/f/shop',
      headers: { 'content-type': FORM, accept: 'application/json' },
      payload: 'email=a@b.example'
    })
    expect(res.statusCode).toBe(202)
    expect(res.headers['content-security-policy']).toBeUndefined()
  })
})
