/**
 * CORS per form and the Origin check: allowed pages get CORS headers and preflights, other pages get
 * neither and their posts are refused with 403; posts without Origin (servers, curl) and from the
 * relay's own pages still work; a form without `origins` is open to any page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { originSchema } from '../../src/security/config-schema.ts'
import { isOriginAllowed, originInList } from '../../src/security/origin-policy.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'
import { buildSecureApp, FORM, storedCount, type SecureApp } from './helpers.ts'

const SHOP = 'https://shop.example'

describe('CORS and Origin per form', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({
      forms: {
        shop: { portal: 'default', fields: { name: 'NAME' }, origins: [SHOP, 'https://*.brand.example', 'http://127.0.0.1:8080'] },
        open: { portal: 'default', fields: { name: 'NAME' } }
      }
    })
  })
  afterAll(async () => t.close())

  const preflight = async (formId: string, origin: string) => t.app.inject({
    method: 'OPTIONS',
    url: `/f/${formId}`,
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' }
  })

  const post = async (formId: string, headers: Record<string, string>) => t.app.inject({
    method: 'POST', url: `/f/${formId}`, headers: { 'content-type': FORM, accept: 'application/json', ...headers }, payload: 'name=Anna'
  })

  it('answers the preflight of an allowed origin with the CORS headers', async () => {
    const res = await preflight('shop', SHOP)
    expect(res.statusCode).toBe(204)
    expect(res.headers['access-control-allow-origin']).toBe(SHOP)
    expect(res.headers['access-control-allow-methods']).toBe('POST')
    expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type')
    expect(res.headers['access-control-allow-credentials']).toBeUndefined()
    expect(String(res.headers.vary)).toMatch(/origin/i)
  })

  it('gives a disallowed origin no CORS headers on the preflight', async () => {
    const res = await preflight('shop', 'https://evil.example')
    expect(res.statusCode).toBe(404)
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
    expect(res.headers['access-control-allow-methods']).toBeUndefined()
  })

  it('accepts a post from an allowed origin, with CORS headers that let the page read the answer', async () => {
    const res = await post('shop', { origin: SHOP })
    expect(res.statusCode).toBe(202)
    expect(res.headers['access-control-allow-origin']).toBe(SHOP)
    expect(String(res.headers['access-control-expose-headers'])).toMatch(/x-relay-error/i)
  })

  it('refuses a post from another origin with 403 RELAY_ERR_ORIGIN_NOT_ALLOWED and no CORS headers, storing nothing', async () => {
    const before = await storedCount(t.outbox)
    for (const origin of ['https://evil.example', 'http://shop.example', 'https://shop.example:8443', 'null', 'https://brand.example', 'https://evilbrand.example']) {
      const res = await post('shop', { origin })
      expect(res.statusCode, origin).toBe(403)
      expect(res.json().error.code).toBe('RELAY_ERR_ORIGIN_NOT_ALLOWED')
      expect(res.headers['x-relay-error']).toBe('RELAY_ERR_ORIGIN_NOT_ALLOWED')
      expect(res.headers['access-control-allow-origin']).toBeUndefined()
    }
    expect(await storedCount(t.outbox)).toBe(before)
  })

  it('governs plain cross-site HTML form posts too: the browser sends Origin with them', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/f/shop', headers: { 'content-type': FORM, origin: 'https://evil.example' }, payload: 'name=Anna' })
    expect(res.statusCode).toBe(403)
    expect(res.headers['content-type']).toMatch(/text\/html/)
    const ok = await t.app.inject({
      method: 'POST',
      url: '/f/shop',
      headers: { 'content-type': FORM, origin: SHOP },
      payload: 'name=Anna'
    })
    expect(ok.statusCode).toBe(303)
  })

  it('accepts wildcard subdomains and an explicit port', async () => {
    expect((await post('shop', { origin: 'https://www.brand.example' })).statusCode).toBe(202)
    expect((await post('shop', { origin: 'https://a.b.brand.example' })).statusCode).toBe(202)
    expect((await post('shop', { origin: 'http://127.0.0.1:8080' })).statusCode).toBe(202)
    expect((await post('shop', { origin: 'http://127.0.0.1:8081' })).statusCode).toBe(403)
  })

  it('accepts posts without Origin (server-to-server, curl) and from the relay\'s own pages', async () => {
    expect((await post('shop', {})).statusCode).toBe(202)
    expect((await post('shop', { origin: 'http://relay.internal:3000', host: 'relay.internal:3000' })).statusCode).toBe(202)
  })

  it('leaves a form without `origins` open to any page, reflecting its origin', async () => {
    const res = await post('open', { origin: 'https://anywhere.example' })
    expect(res.statusCode).toBe(202)
    expect(res.headers['access-control-allow-origin']).toBe('https://anywhere.example')
    expect((await preflight('open', 'https://anywhere.example')).statusCode).toBe(204)
  })

  it('adds no CORS headers outside the intake', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: SHOP } })
    expect(res.headers['access-control-allow-origin']).toBeUndefined()
  })
})

describe('origin config and matching', () => {
  it('normalises configured origins and refuses paths, credentials and bad wildcards', () => {
    expect(originSchema.parse('HTTPS://Shop.Example:443/')).toBe('https://shop.example')
    expect(originSchema.parse('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080')
    expect(originSchema.parse('https://*.shop.example')).toBe('https://*.shop.example')
    expect(originSchema.parse('*')).toBe('*')
    for (const bad of ['shop.example', 'https://shop.example/path', 'https://u:p@shop.example', 'ftp://shop.example', 'https://shop.*.example', 'https://shop.example?x=1']) {
      expect(originSchema.safeParse(bad).success, bad).toBe(false)
    }
  })

  it('names the form key in the config error', () => {
    expect(() => buildConfig({ forms: { f: { portal: 'default', origins: ['shop.example'] } } }, { B24_WEBHOOK_URL: TEST_WEBHOOK }))
      .toThrow(/forms\.f\.origins\.0/)
  })

  it('matches exact origins, one wildcard level or more, and nothing else', () => {
    const list = ['https://shop.example', 'https://*.brand.example']
    expect(originInList(list, 'https://shop.example')).toBe(true)
    expect(originInList(list, 'https://x.brand.example')).toBe(true)
    expect(originInList(list, 'https://brand.example')).toBe(false)
    expect(originInList(list, 'http://x.brand.example')).toBe(false)
    expect(originInList(list, 'https://x.brand.example.evil')).toBe(false)
    expect(isOriginAllowed(list, undefined, 'http://relay')).toBe(true)
    expect(isOriginAllowed(list, 'garbage', 'http://relay')).toBe(false)
    expect(isOriginAllowed(undefined, 'https://any.example', 'http://relay')).toBe(true)
  })
})
