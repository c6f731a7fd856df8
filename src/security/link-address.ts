/**
 * Which hosts and addresses a CF7 file link may reach. A link is the visitor's choice, so by
 * default only public unicast addresses are connected to: loopback, private (10/8, 172.16/12,
 * 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), CGNAT (100.64/10), multicast,
 * unspecified, broadcast, documentation / reserved ranges and every IPv6 form that carries an IPv4
 * address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, 6to4, Teredo, NAT64) are refused. An IPv6
 * address must also be global unicast (2000::/3). The checked address is the one connected to
 * (src/delivery/link-fetch.ts).
 */
import ipaddr from 'ipaddr.js'

/** True for an address a link may be fetched from without `files.allowPrivateAddresses`. */
export function isPublicAddress (address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast'
  const v6 = parsed as ipaddr.IPv6
  // ipaddr.js calls ::a.b.c.d (IPv4-compatible, deprecated) plain unicast; 2000::/3 leaves it out.
  return v6.range() === 'unicast' && v6.match(ipaddr.IPv6.parse('2000::'), 3)
}

/** A URL's hostname that names this machine: localhost, [::1] or 127.x.x.x (plain http is allowed there). */
export function isLoopbackHost (hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

/** A URL's hostname as an address: WHATWG URL has already turned 2130706433 and 0x7f.1 into 127.0.0.1. */
export function literalAddress (hostname: string): string | undefined {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  return ipaddr.isValid(bare) ? bare : undefined
}

/**
 * `files.allowHosts`: exact host names, or `*.example.com` for the subdomains of example.com.
 * Without a list every host may be asked (the address check still applies).
 */
export function hostAllowed (hostname: string, allowHosts: readonly string[] | undefined): boolean {
  if (allowHosts === undefined) return true
  const host = hostname.toLowerCase().replace(/\.$/, '')
  return allowHosts.some(rule => {
    const r = rule.toLowerCase()
    return r.startsWith('*.') ? host.endsWith(r.slice(1)) && host.length > r.length - 1 : host === r
  })
}
