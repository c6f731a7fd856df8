/**
 * Server-to-server senders: the X-Relay-Secret header or an HMAC-SHA256 signature over the method,
 * path, content type, timestamp and raw body with a 5-minute window, each signature used once. A form with a secret refuses
 * everything else with 401 RELAY_ERR_UNAUTHENTICATED_SOURCE; multipart can use the secret, not a signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { safeEqual, signRequest } from '../../src/security/source-auth.ts'
import { buildSecureApp, FORM, storedCount, type SecureApp } from './helpers.ts'

const SECRET = 'cf7-header-secret-0123456789'
const HMAC_KEY = 'script-hmac-key-abcdefghijklmnop'
const NOW = 1_750_000_000_000

function multipart (boundary: string, fields: Record<string, string>): string {
  return Object.entries(fields).map(
    ([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`
  ).join('') + `--${boundary}--\r\n`
}

describe('authenticated server-to-server sources', () => {
  let t: SecureApp

  beforeAll(async () => {
    t = await buildSecureApp({
      forms: {
        cf7: { portal: 'default', fields: { 'your-name': 'NAME' }, secret: SECRET },
        signed: { portal: 'default', fields: { name: 'NAME' }, hmacSecret: HMAC_KEY },
        both: { portal: 'default', fields: { name: 'NAME' }, secret: SECRET, hmacSecret: HMAC_KEY },
        public: { portal: 'default', fields: { name: 'NAME' } }
      }
    }, { now: () => NOW })
  })
  afterAll(async () => t.close())

  const send = async (formId: string, body: string, headers: Record<string, string>) =>
    t.app.inject({ method: 'POST', url: `/f/${formId}`, headers: { accept: 'application/json', ...headers }, payload: body })

  const signed = (body: string, at = NOW, key = HMAC_KEY, contentType = 'application/json', path = '/f/signed') => {
    const timestamp = String(Math.floor(at / 1000))
    return {
      'x-relay-timestamp': timestamp,
      'x-relay-signature': signRequest(key, { method: 'POST', path, contentType, timestamp, body })
    }
  }

  const expect401 = (res: { statusCode: number, json: () => { error: { code: string, message: string } } }, message?: RegExp): void => {
    expect(res.statusCode).toBe(401)
    expect(res.json().error.code).toBe('RELAY_ERR_UNAUTHENTICATED_SOURCE')
    if (message !== undefined) expect(res.json().error.message).toMatch(message)
  }

  it('accepts the Contact Form 7 webhook with the right X-Relay-Secret', async () => {
    const res = await send('cf7', '{"your-name":"Иван"}', { 'content-type': 'application/json', 'x-relay-secret': SECRET })
    expect(res.statusCode).toBe(202)
  })

  it('refuses a form with a secret without it, or with a wrong one, storing nothing', async () => {
    const before = await storedCount(t.outbox)
    expect401(await send('cf7', '{"your-name":"x"}', { 'content-type': 'application/json' }), /X-Relay-Secret/)
    expect401(await send('cf7', '{"your-name":"x"}', { 'content-type': 'application/json', 'x-relay-secret': SECRET + 'x' }))
    expect401(await send('cf7', '{"your-name":"x"}', { 'content-type': 'application/json', 'x-relay-secret': SECRET.slice(0, -1) }))
    expect401(await send('cf7', 'your-name=x', { 'content-type': FORM }))
    expect(await storedCount(t.outbox)).toBe(before)
  })

  it('never echoes the secret in the refusal', async () => {
    const res = await send('cf7', '{}', { 'content-type': 'application/json', 'x-relay-secret': 'wrong-' + SECRET })
    expect(res.body).not.toContain(SECRET)
  })

  it('accepts a JSON and an urlencoded body signed with the form key', async () => {
    const json = '{"name":"Подписанный"}'
    expect((await send('signed', json, { 'content-type': 'application/json', ...signed(json) })).statusCode).toBe(202)
    const form = 'name=%D0%9F%D1%91%D1%82%D1%80'
    expect((await send('signed', form, { 'content-type': FORM, ...signed(form, NOW, HMAC_KEY, FORM) })).statusCode).toBe(202)
  })

  it('refuses a signature over another body, by another key, or malformed', async () => {
    const body = '{"name":"A"}'
    expect401(await send('signed', '{"name":"B"}', { 'content-type': 'application/json', ...signed(body) }), /does not match/)
    expect401(await send('signed', body, { 'content-type': 'application/json', ...signed(body, NOW, 'another-key-0123456789abcdef') }))
    const headers = signed(body)
    expect401(await send('signed', body, {
      'content-type': 'application/json',
      ...headers,
      'x-relay-signature': headers['x-relay-signature'].replace('sha256=', '')
    }))
    expect401(
      await send('signed', body, { 'content-type': 'application/json', 'x-relay-signature': headers['x-relay-signature'] }),
      /Timestamp/
    )
  })

  it('refuses a signed request more than 5 minutes old or ahead (replay window)', async () => {
    const body = '{"name":"A"}'
    expect401(await send('signed', body, { 'content-type': 'application/json', ...signed(body, NOW - 301_000) }), /5 minutes/)
    expect401(await send('signed', body, { 'content-type': 'application/json', ...signed(body, NOW + 301_000) }), /5 minutes/)
    expect((await send('signed', body, { 'content-type': 'application/json', ...signed(body, NOW - 290_000) })).statusCode).toBe(202)
  })

  it('refuses a signed JSON body replayed as urlencoded, or to another form, and any exact replay', async () => {
    const body = '{"name":"Once"}'
    const headers = signed(body, NOW - 1000)
    expect((await send('signed', body, { 'content-type': 'application/json', ...headers })).statusCode).toBe(202)
    const before = await storedCount(t.outbox)
    expect401(await send('signed', body, { 'content-type': FORM, ...headers }), /content type/)
    expect401(await send('both', body, { 'content-type': 'application/json', ...headers }), /does not match/)
    const replay = await send('signed', body, { 'content-type': 'application/json', ...headers })
    expect(replay.statusCode).toBe(401)
    expect(replay.json().error.code).toBe('RELAY_ERR_SIGNATURE_REPLAYED')
    expect(await storedCount(t.outbox)).toBe(before)
  })

  it('takes multipart with the secret, but not with a signature (its raw bytes are not kept)', async () => {
    const body = multipart('bnd', { name: 'Multi' })
    const type = 'multipart/form-data; boundary=bnd'
    expect((await send('both', body, { 'content-type': type, 'x-relay-secret': SECRET })).statusCode).toBe(202)
    expect401(await send('both', body, { 'content-type': type, ...signed(body, NOW, HMAC_KEY, type, '/f/both') }), /multipart/)
  })

  it('a form with either accepts either', async () => {
    const body = '{"name":"Both"}'
    expect((await send('both', body, { 'content-type': 'application/json', 'x-relay-secret': SECRET })).statusCode).toBe(202)
    const both = signed(body, NOW, HMAC_KEY, 'application/json', '/f/both')
    expect((await send('both', body, { 'content-type': 'application/json', ...both })).statusCode).toBe(202)
  })

  it('ignores the headers on a form without secrets', async () => {
    expect((await send('public', '{"name":"P"}', { 'content-type': 'application/json', 'x-relay-secret': 'whatever' })).statusCode)
      .toBe(202)
  })

  it('compares in constant time, for any lengths', () => {
    expect(safeEqual('abc', 'abc')).toBe(true)
    expect(safeEqual('abc', 'abd')).toBe(false)
    expect(safeEqual('abc', 'abcd')).toBe(false)
    expect(safeEqual('', '')).toBe(true)
  })
})
