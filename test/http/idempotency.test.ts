/**
 * Idempotency-Key poisoning, over real HTTP behind a trusted proxy: keys are scoped to the form and
 * the sender (the form's secret holder, else the client address), a key reused with other values is
 * refused with 409 RELAY_ERR_IDEMPOTENCY_MISMATCH, the same key with the same values is the same
 * submission, the key window (24 h) is its own, and an identical body from another address never
 * hands out another visitor's submission id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { buildSecureApp, type SecureApp } from '../security/helpers.ts'

const SECRET = 'cf7-shared-secret-0123456789'
const FORMS = {
  order: { portal: 'default', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } },
  cf7: { portal: 'default', fields: { name: 'NAME' }, secret: SECRET }
}
const MIN = 60_000

describe('Idempotency-Key and double submits, scoped per sender', () => {
  let t: SecureApp
  let clock: number
  beforeEach(async () => {
    clock = 1_800_000_000_000
    t = await buildSecureApp({ forms: FORMS, rateLimit: { perIp: false, perForm: false } }, {
      trustProxy: ['127.0.0.1'],
      now: () => clock
    })
    await t.listen()
  })
  afterEach(async () => { await t.close() })

  const post = async (body: Record<string, string>, opts: { from: string, key?: string, form?: string, secret?: boolean }) => {
    const res = await fetch(`${t.url}/f/${opts.form ?? 'order'}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-forwarded-for': opts.from,
        ...(opts.key !== undefined ? { 'idempotency-key': opts.key } : {}),
        ...(opts.secret === true ? { 'x-relay-secret': SECRET } : {})
      },
      body: JSON.stringify(body)
    })
    return { status: res.status, body: await res.json() as { ok: boolean, id?: string, duplicate?: boolean, error?: { code: string } } }
  }

  it('an attacker who used the key first does not swallow the real client\'s submission', async () => {
    const attacker = await post({ name: 'junk' }, { from: '198.51.100.66', key: 'order-1234' })
    expect(attacker.status).toBe(202)
    const real = await post({ name: 'Real Buyer', phone: '+79001234567' }, { from: '203.0.113.5', key: 'order-1234' })
    expect(real.status).toBe(202)
    expect(real.body.duplicate).toBeUndefined()
    expect(real.body.id).not.toBe(attacker.body.id)
    expect((await t.outbox.get(real.body.id!))?.payload.fields).toMatchObject({ NAME: 'Real Buyer' })
  })

  it('the same key with other values is refused with 409; with the same values it is the first submission', async () => {
    const first = await post({ name: 'Anna', phone: '+79001234567' }, { from: '203.0.113.6', key: 'order-77' })
    const other = await post({ name: 'Anna', phone: '+79009999999' }, { from: '203.0.113.6', key: 'order-77' })
    expect(other.status).toBe(409)
    expect(other.body.error?.code).toBe('RELAY_ERR_IDEMPOTENCY_MISMATCH')
    expect(JSON.stringify(other.body)).not.toContain(first.body.id)
    const again = await post({ name: 'Anna', phone: '+79001234567' }, { from: '203.0.113.6', key: 'order-77' })
    expect(again).toEqual({ status: 202, body: { ok: true, id: first.body.id, duplicate: true } })
    expect(await t.outbox.stats()).toMatchObject({ pending: 1 })
  })

  it('keeps a key for 24 hours, past the 10-minute double-submit window', async () => {
    const first = await post({ name: 'Boris' }, { from: '203.0.113.7', key: 'order-88' })
    clock += 11 * MIN
    expect((await post({ name: 'Boris' }, { from: '203.0.113.7', key: 'order-88' })).body)
      .toMatchObject({ id: first.body.id, duplicate: true })
    // Without a key the same values are a new submission after 10 minutes.
    const plain = await post({ name: 'Vera' }, { from: '203.0.113.7' })
    clock += 11 * MIN
    expect((await post({ name: 'Vera' }, { from: '203.0.113.7' })).body.id).not.toBe(plain.body.id)
    clock += 24 * 60 * MIN
    expect((await post({ name: 'Boris' }, { from: '203.0.113.7', key: 'order-88' })).body.duplicate).toBeUndefined()
  })

  it('an identical body from another address never answers with another visitor\'s id', async () => {
    const mine = await post({ name: 'Galina', phone: '+79001112233' }, { from: '203.0.113.8' })
    const copy = await post({ name: 'Galina', phone: '+79001112233' }, { from: '198.51.100.9' })
    expect(copy.status).toBe(202)
    expect(copy.body.id).not.toBe(mine.body.id)
    expect(copy.body.duplicate).toBeUndefined()
    // The visitor's own double submit still counts once.
    expect((await post({ name: 'Galina', phone: '+79001112233' }, { from: '203.0.113.8' })).body)
      .toMatchObject({ id: mine.body.id, duplicate: true })
  })

  it('a server holding the form secret is one sender whatever address it posts from', async () => {
    const a = await post({ name: 'Dmitry' }, { form: 'cf7', from: '192.0.2.10', key: 'wpcf7-5', secret: true })
    const b = await post({ name: 'Dmitry' }, { form: 'cf7', from: '192.0.2.11', key: 'wpcf7-5', secret: true })
    expect(b.body).toMatchObject({ id: a.body.id, duplicate: true })
  })
})
