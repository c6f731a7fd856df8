/**
 * `_next` is honoured only inside the form's allowed origins (never for `*`, never for a form
 * without `origins`); configured successUrl stays trusted; spam follows the same rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allowedRedirect, safeNext } from '../../src/security/redirect-guard.ts'
import { buildSecureApp, FORM, type SecureApp } from './helpers.ts'

describe('the _next redirect guard', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({
      forms: {
        shop: { portal: 'default', fields: { name: 'NAME' }, origins: ['https://shop.example', 'https://*.brand.example'], successUrl: 'https://shop.example/thanks' },
        open: { portal: 'default', fields: { name: 'NAME' } },
        star: { portal: 'default', fields: { name: 'NAME' }, origins: ['*'] }
      },
      rateLimit: { perIp: false }
    })
  })
  afterAll(async () => t.close())

  const location = async (formId: string, next: string): Promise<string | undefined> => {
    const res = await t.app.inject({
      method: 'POST',
      url: `/f/${formId}`,
      headers: { 'content-type': FORM },
      payload: `name=Anna&_next=${encodeURIComponent(next)}`
    })
    expect(res.statusCode).toBe(303)
    return res.headers.location as string | undefined
  }

  it('follows _next inside the allowed origins', async () => {
    expect(await location('shop', 'https://shop.example/spasibo?x=1')).toBe('https://shop.example/spasibo?x=1')
    expect(await location('shop', 'https://www.brand.example/ok')).toBe('https://www.brand.example/ok')
  })

  it('ignores _next anywhere else and uses the configured success URL', async () => {
    for (const next of ['https://evil.example/', 'https://shop.example.evil.example/', '//evil.example/x', '/relative', 'javascript:alert(1)',
      'https:\\\\evil.example', 'https:evil.example', 'https://user:pw@shop.example/', 'data:text/html,hi', 'http://shop.example/']) {
      expect(await location('shop', next), next).toBe('https://shop.example/thanks')
    }
  })

  it('never honours _next on a form without origins, or with only "*"', async () => {
    expect(await location('open', 'https://evil.example/')).toBe('/f/open/thanks')
    expect(await location('star', 'https://evil.example/')).toBe('/f/star/thanks')
  })

  it('sends spam to the same place as people', async () => {
    expect(await location('shop', 'https://evil.example/')).toBe('https://shop.example/thanks')
    const res = await t.app.inject({ method: 'POST', url: '/f/shop', headers: { 'content-type': FORM }, payload: `_gotcha=x&_next=${encodeURIComponent('https://shop.example/ok')}` })
    expect(res.headers.location).toBe('https://shop.example/ok')
  })

  it('unit: relay-own origin is fine, protocol-relative and credentials are not', () => {
    expect(allowedRedirect(['https://shop.example'], 'http://relay.local/f/x/thanks', 'http://relay.local')).toBe('http://relay.local/f/x/thanks')
    expect(allowedRedirect(['https://shop.example'], '//shop.example/x', 'http://relay.local')).toBeUndefined()
    expect(safeNext(undefined, { _next: 'https://shop.example/' }, 'http://relay.local')).toBeUndefined()
    expect(safeNext(['https://shop.example'], { _next: ['https://shop.example/a', 'https://evil.example'] }, 'http://relay.local')).toBe('https://shop.example/a')
  })
})
