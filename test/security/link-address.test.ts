import { describe, expect, it } from 'vitest'
import { hostAllowed, isPublicAddress, literalAddress } from '../../src/security/link-address.ts'

describe('link addresses', () => {
  it('refuses loopback, private, link-local, CGNAT, multicast, unspecified, reserved and IPv4-in-IPv6 forms', () => {
    const refused = ['127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '100.127.255.254', '0.0.0.0', '255.255.255.255', '224.0.0.1', '239.255.255.250', '192.0.2.1', '198.18.0.1', '240.0.0.1',
      '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1',
      '::7f00:1', '::127.0.0.1', '2002:7f00:1::', '64:ff9b::7f00:1', '2001::1', '2001:db8::1', 'not an address', '']
    for (const a of refused) expect([a, isPublicAddress(a)]).toEqual([a, false])
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2a00:1450:4001:81c::200e', '2606:4700::1111']) {
      expect([a, isPublicAddress(a)]).toEqual([a, true])
    }
  })

  it('sees the address in a URL the way WHATWG URL normalised it', () => {
    const host = (u: string): string => new URL(u).hostname
    expect(literalAddress(host('http://2130706433/'))).toBe('127.0.0.1')
    expect(literalAddress(host('http://0x7f.1/'))).toBe('127.0.0.1')
    expect(literalAddress(host('http://[::ffff:127.0.0.1]/'))).toBe('::ffff:7f00:1')
    expect(literalAddress(host('http://[::1]:8080/'))).toBe('::1')
    expect(literalAddress(host('http://localhost/'))).toBeUndefined()
    expect(literalAddress(host('https://files.example.com/a.pdf'))).toBeUndefined()
  })

  it('allowHosts: exact names and *.domain for subdomains; without a list every host may be asked', () => {
    const list = ['files.example.com', '*.cdn.example.com']
    expect(hostAllowed('files.example.com', list)).toBe(true)
    expect(hostAllowed('FILES.example.com.', list)).toBe(true)
    expect(hostAllowed('a.cdn.example.com', list)).toBe(true)
    expect(hostAllowed('cdn.example.com', list)).toBe(false)
    expect(hostAllowed('evilcdn.example.com', list)).toBe(false)
    expect(hostAllowed('files.example.com.evil.test', list)).toBe(false)
    expect(hostAllowed('anything.test', undefined)).toBe(true)
  })
})
