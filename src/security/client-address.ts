/**
 * Who the client is, as an address the limits and the double-submit scope can key by. Behind a
 * trusted proxy `request.ip` is whatever X-Forwarded-For said, and proxies differ: some add the
 * port (`5.5.5.5:1234`, `[2001:db8::1]:1234`), a visitor's own header may hold junk. Each variant
 * must not buy a fresh bucket, so the value is parsed to a bare address, and what cannot be parsed
 * falls back to the TCP peer (the proxy: junk shares the proxy's allowance).
 */
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'
import type { FastifyRequest } from 'fastify'

export const DEFAULT_IPV6_PREFIX = 64

const V4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/
const BRACKETED = /^\[([0-9A-Fa-f:.]{2,45})\](?::\d{1,5})?$/

/** The canonical form of an address written with or without a port; undefined for anything else. */
export function bareAddress (value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const text = value.trim()
  if (text.length > 64) return undefined
  const candidate = V4_WITH_PORT.exec(text)?.[1] ?? BRACKETED.exec(text)?.[1] ?? text
  // node's isIP is strict (no "127.1", no hex octets); ipaddr.js then gives one spelling per address.
  if (isIP(candidate) === 0 || candidate.includes('%')) return undefined
  const parsed = ipaddr.process(candidate)
  return parsed.toString()
}

/** The client's bare address: the forwarded one when it parses, else the TCP peer. */
export function clientAddress (request: FastifyRequest): string {
  // Asked by the limits, the sender scope and the stored meta: parsed once per request.
  let address = seen.get(request)
  if (address === undefined) {
    address = bareAddress(request.ip) ?? bareAddress(request.socket?.remoteAddress) ?? 'unknown'
    seen.set(request, address)
  }
  return address
}

const seen = new WeakMap<FastifyRequest, string>()

/**
 * The bucket a client address falls in: IPv4 as it is, IPv6 by its first `ipv6Prefix` bits. One
 * subscriber usually holds a /64, often a /56 or a /48: a wider prefix stops rotation through them.
 */
export function clientKey (address: string, ipv6Prefix: number = DEFAULT_IPV6_PREFIX): string {
  if (isIP(address) !== 6) return address
  const bytes = ipaddr.IPv6.parse(address).toByteArray()
  const bits = Math.max(0, Math.min(128, Math.trunc(ipv6Prefix)))
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8))
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff)
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`
}
