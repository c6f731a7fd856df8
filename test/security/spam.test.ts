/**
 * Honeypot and minimum fill time: spam gets exactly the answer a person gets (202 with an id of the
 * same shape, or the same 303), is never stored for delivery, is counted and kept for review, and
 * is pruned after `spam.keepMs`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteSpamStore } from '../../src/security/spam-store-sqlite.ts'
import { spamStorePath } from '../../src/security/spam-store-sqlite.ts'
import { buildSecureApp, FORM, storedCount, type SecureApp } from './helpers.ts'

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

describe('honeypot and fill time', () => {
  let t: SecureApp
  let now = 1_750_000_000_000

  beforeAll(async () => {
    t = await buildSecureApp({
      forms: {
        shop: { portal: 'default', fields: { name: 'NAME' }, successUrl: 'https://shop.example/thanks', minFillMs: 3000 },
        custom: { portal: 'default', fields: { name: 'NAME' }, honeypot: 'website_url', minFillMs: 0 },
        off: { portal: 'default', fields: { name: 'NAME' }, honeypot: false, minFillMs: 0 }
      },
      spam: { keepMs: 60_000 }
    }, { now: () => now })
  })
  afterAll(async () => t.close())

  const post = async (formId: string, payload: string, json = true) => t.app.inject({
    method: 'POST', url: `/f/${formId}`, headers: { 'content-type': FORM, ...(json ? { accept: 'application/json' } : {}) }, payload
  })

  it('answers a filled honeypot exactly like an accepted post, but never stores it for delivery', async () => {
    const before = await storedCount(t.outbox)
    const spam = await post('shop', 'name=Bot&_gotcha=http://spam.example')
    const real = await post('shop', 'name=Person&_gotcha=')
    expect(spam.statusCode).toBe(202)
    expect(real.statusCode).toBe(202)
    expect(Object.keys(spam.json())).toEqual(Object.keys(real.json()))
    expect(spam.json().id).toMatch(ULID)
    expect(real.json().id).toMatch(ULID)
    expect(await storedCount(t.outbox)).toBe(before + 1)
    expect(await t.outbox.get(spam.json().id)).toBeUndefined()
    const held = await t.spam.get(spam.json().id)
    expect(held).toMatchObject({ formId: 'shop', reason: 'honeypot', ip: '127.0.0.1' })
    expect(held?.values.name).toBe('Bot')
  })

  it('redirects a browser that tripped the honeypot to the same success URL', async () => {
    const spam = await post('shop', 'name=Bot&_gotcha=x', false)
    const real = await post('shop', 'name=Person2', false)
    expect(spam.statusCode).toBe(303)
    expect(spam.headers.location).toBe(real.headers.location)
    expect(spam.headers.location).toBe('https://shop.example/thanks')
  })

  it('uses a configured honeypot name, and can be switched off', async () => {
    expect((await post('custom', 'name=Bot&website_url=x')).statusCode).toBe(202)
    expect((await t.spam.list({ formId: 'custom' }))[0]?.reason).toBe('honeypot')
    const before = await storedCount(t.outbox)
    await post('off', 'name=Someone&_gotcha=filled')
    expect(await storedCount(t.outbox)).toBe(before + 1)
    expect(await t.spam.list({ formId: 'off' })).toEqual([])
  })

  it('does not put the honeypot field into the lead', async () => {
    const res = await post('custom', 'name=Real&website_url=')
    const rec = await t.outbox.get(res.json().id)
    expect(JSON.stringify(rec?.payload)).not.toContain('website_url')
  })

  it('holds a form sent back faster than minFillMs after `_ts`, and accepts a slower one', async () => {
    const before = await storedCount(t.outbox)
    const fast = await post('shop', `name=Quick&_ts=${now - 1200}`)
    expect(fast.statusCode).toBe(202)
    expect((await t.spam.get(fast.json().id))?.reason).toBe('too_fast')
    expect((await t.spam.get(fast.json().id))?.detail).toMatch(/1200 ms < 3000 ms/)
    const slow = await post('shop', `name=Patient&_ts=${now - 8000}`)
    expect(await t.outbox.get(slow.json().id)).toBeDefined()
    expect(await storedCount(t.outbox)).toBe(before + 1)
  })

  it('gives the visitor the benefit of the doubt when `_ts` is absent, garbage or in the future (clock skew)', async () => {
    for (const ts of ['', '&_ts=abc', `&_ts=${now + 60_000}`]) {
      const res = await post('shop', `name=Skew${ts}`)
      expect(await t.outbox.get(res.json().id), ts).toBeDefined()
    }
  })

  it('counts what it holds, by reason', async () => {
    const counts = await t.spam.counts()
    expect(counts.honeypot).toBeGreaterThanOrEqual(3)
    expect(counts.too_fast).toBe(1)
  })

  it('prunes spam older than spam.keepMs', async () => {
    const old = await post('shop', 'name=Old&_gotcha=1')
    expect(await t.spam.get(old.json().id)).toBeDefined()
    now += 120_000 // past keepMs (60 s) and past the once-a-minute prune pacing
    const fresh = await post('shop', 'name=New&_gotcha=1')
    expect(await t.spam.get(old.json().id)).toBeUndefined()
    expect(await t.spam.get(fresh.json().id)).toBeDefined()
  })
})

describe('the SQLite spam store', () => {
  it('lists newest first, filters by form, pages by time and survives reopening', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'spam-'))
    try {
      const path = join(dir, 'relay-spam.db')
      const store = openSqliteSpamStore(path)
      for (let i = 0; i < 5; i++) {
        await store.add({
          id: `ID${i}`,
          formId: i % 2 === 0 ? 'a' : 'b',
          reason: 'honeypot',
          receivedAt: 1000 + i,
          values: { n: String(i) }
        })
      }
      await store.close()
      const again = openSqliteSpamStore(path)
      expect((await again.list()).map(r => r.id)).toEqual(['ID4', 'ID3', 'ID2', 'ID1', 'ID0'])
      expect((await again.list({ formId: 'a' })).map(r => r.id)).toEqual(['ID4', 'ID2', 'ID0'])
      expect((await again.list({ before: 1003, limit: 2 })).map(r => r.id)).toEqual(['ID2', 'ID1'])
      expect((await again.get('ID3'))?.values).toEqual({ n: '3' })
      expect(await again.prune(1002)).toBe(2)
      expect(await again.counts()).toEqual({ honeypot: 3 })
      await again.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('lives beside a SQLite outbox file, never in it', () => {
    expect(spamStorePath({ spam: {}, outbox: { url: 'sqlite:./data/relay.db' } })).toBe('./data/relay-spam.db')
    expect(spamStorePath({ spam: {}, outbox: { url: 'sqlite::memory:' } })).toBe(':memory:')
    expect(spamStorePath({ spam: {}, outbox: { url: 'redis://127.0.0.1:6379' } })).toBe('./data/spam.db')
    expect(spamStorePath({ spam: { path: '/var/lib/relay/spam.db' }, outbox: { url: 'sqlite:./x.db' } })).toBe('/var/lib/relay/spam.db')
  })
})
