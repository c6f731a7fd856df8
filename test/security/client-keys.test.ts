/**
 * Rate-limit keys a client cannot vary: behind a trusted proxy, forwarded addresses with a port or
 * junk count as one bare address (junk as the proxy itself), and IPv6 clients are counted by a
 * configurable prefix. Real HTTP on 127.0.0.1, the trusted proxy.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { bareAddress, clientKey } from '../../src/security/client-address.ts'
import { buildSecureApp, FORM, type SecureApp } from './helpers.ts'

const FORMS = { a: { portal: 'default', fields: { name: 'NAME' } } }

async function statuses (t: SecureApp, forwarded: (i: number) => string, n: number): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${t.url}/f/a`, {
      method: 'POST',
      headers: { 'content-type': FORM, accept: 'application/json', 'x-forwarded-for': forwarded(i) },
      body: `name=Anna&n=${i}`
    })
    await res.arrayBuffer()
    out.push(res.status)
  }
  return out
}

describe('bare addresses', () => {
  it('drops ports and brackets, canonicalises IPv6 and mapped IPv4, and refuses junk', () => {
    expect(bareAddress('5.5.5.5:4711')).toBe('5.5.5.5')
    expect(bareAddress('[2001:DB8::1]:443')).toBe('2001:db8::1')
    expect(bareAddress('[2001:db8:0:0::1]')).toBe('2001:db8::1')
    expect(bareAddress('::ffff:198.51.100.7')).toBe('198.51.100.7')
    for (const junk of ['junk', '127.1', '0x7f.0.0.1', '5.5.5.5:', '', 'fe80::1%eth0', '1.2.3.4.5']) {
      expect(bareAddress(junk)).toBeUndefined()
    }
  })

  it('keys IPv6 by its prefix and IPv4 as it is', () => {
    expect(clientKey('2001:db8:1:2::9', 64)).toBe('2001:db8:1:2::/64')
    expect(clientKey('2001:db8:1:2::9', 48)).toBe('2001:db8:1::/48')
    expect(clientKey('2001:db8:1:ff02::9', 56)).toBe('2001:db8:1:ff00::/56')
    expect(clientKey('198.51.100.7', 48)).toBe('198.51.100.7')
  })
})

describe('rate-limit keys behind a trusted proxy (real HTTP)', () => {
  let t: SecureApp
  afterEach(async () => { await t.close() })

  const relay = async (rateLimit: Record<string, unknown> = {}): Promise<void> => {
    const raw = { forms: FORMS, rateLimit: { perIp: { max: 2, timeWindow: 60_000 }, ...rateLimit } }
    t = await buildSecureApp(raw, { trustProxy: ['127.0.0.1'] })
    await t.listen()
  }

  it('an IPv4 address with a changing port is one client', async () => {
    await relay()
    expect(await statuses(t, i => `5.5.5.5:${1000 + i}`, 5)).toEqual([202, 202, 429, 429, 429])
  })

  it('a bracketed IPv6 address with a changing port is one client', async () => {
    await relay()
    expect(await statuses(t, i => `[2001:db8::1]:${1000 + i}`, 5)).toEqual([202, 202, 429, 429, 429])
  })

  it('junk counts as the proxy itself, not as a fresh client each time', async () => {
    await relay()
    expect(await statuses(t, i => `not-an-address-${i}`, 4)).toEqual([202, 202, 429, 429])
    // A real client behind the same proxy keeps its own allowance.
    expect(await statuses(t, () => '198.51.100.20', 1)).toEqual([202])
  })

  it('rotating the /64s of one /48 gets nowhere with ipv6Prefix 48', async () => {
    await relay({ ipv6Prefix: 48 })
    const codes = await statuses(t, i => `2001:db8:77:${i.toString(16)}::1`, 25)
    expect(codes.filter(c => c === 202)).toHaveLength(2)
  })

  it('counts each /64 on its own by default', async () => {
    await relay()
    expect(await statuses(t, i => `2001:db8:78:${i.toString(16)}::1`, 4)).toEqual([202, 202, 202, 202])
    expect(await statuses(t, i => `2001:db8:78:1::${(i + 2).toString(16)}`, 2)).toEqual([202, 429])
  })
})
