/**
 * Submission rate limits: per client address (all forms together) and per form (all clients
 * together), with @fastify/rate-limit counters in memory or, when the app has a Redis client, in
 * Redis so the limits hold across relay instances. Exceeding the per-address limit answers 429
 * with Retry-After. Exceeding the per-form limit never refuses: a flood from many addresses would
 * lock real visitors out, so the check reports `flooded` and the submission is stored held.
 */
import { BlockList, isIP, isIPv4, isIPv6 } from 'node:net'
import { own } from '../config/own.ts'
import rateLimit from '@fastify/rate-limit'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type { FormConfig, RelayConfig } from '../config/schema.ts'
import { RateLimitedError } from '../errors.ts'
import { bareAddress, clientAddress, clientKey } from './client-address.ts'

export interface RateLimitDeps {
  config: () => RelayConfig
  redis?: Redis | undefined
}

type Limit = false | { max: number, timeWindow: number }
type Scope = 'perIp' | 'perForm'

/** The limit that applies to a form: its own override, else the top-level one. */
export function limitFor (config: RelayConfig, form: FormConfig | undefined, scope: Scope): Limit {
  return form?.rateLimit?.[scope] ?? config.rateLimit[scope]
}

/** Compiles `allowList` entries (addresses or CIDRs) once per list. */
export function compileAllowList (entries: readonly string[]): BlockList {
  const list = new BlockList()
  for (const entry of entries) {
    const [addr = '', bits] = entry.split('/')
    const type = isIPv6(addr) ? 'ipv6' : 'ipv4'
    if (!isIPv4(addr) && !isIPv6(addr)) continue
    if (bits === undefined) list.addAddress(addr, type)
    else list.addSubnet(addr, Number(bits), type)
  }
  return list
}

function proxied (request: FastifyRequest): boolean {
  return request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined
}

/**
 * Registers the counters and returns the onRequest check for POST /f/:formId. Counting happens
 * before the body is read; unknown form ids count against the client's address too.
 */
export type RateLimitCheck = (
  request: FastifyRequest, reply: FastifyReply, formId: string, opts?: { skipPerIp?: boolean }
) => Promise<{ flooded: boolean }>

const ALLOW_VERDICTS_KEPT = 1024

export async function createRateLimitCheck (app: FastifyInstance, deps: RateLimitDeps): Promise<RateLimitCheck> {
  await app.register(rateLimit, {
    global: false,
    // A store failure (Redis down) must not refuse visitors: the limit is skipped, the lead kept.
    skipOnError: true,
    cache: 10_000,
    ...(deps.redis !== undefined ? { redis: deps.redis, nameSpace: 'relay:rl:' } : {})
  })
  const formOf = (request: FastifyRequest): FormConfig | undefined => own(deps.config().forms, formIdOf(request))
  const maxOf = (scope: Scope) => (request: FastifyRequest): number => {
    const limit = limitFor(deps.config(), formOf(request), scope)
    return limit === false ? Number.MAX_SAFE_INTEGER : limit.max
  }
  const windowOf = (scope: Scope) => (request: FastifyRequest): number => {
    const limit = limitFor(deps.config(), formOf(request), scope)
    return limit === false ? 1000 : limit.timeWindow
  }
  const perIp = app.createRateLimit({
    // A bare address (no port, no junk), IPv6 by its configured prefix: see ./client-address.ts.
    keyGenerator: (request) => 'ip:' + clientKey(clientAddress(request), deps.config().rateLimit.ipv6Prefix),
    max: maxOf('perIp'),
    timeWindow: windowOf('perIp')
  })
  const perForm = app.createRateLimit({
    keyGenerator: (request) => 'form:' + formIdOf(request),
    max: maxOf('perForm'),
    timeWindow: windowOf('perForm')
  })

  let allowListSource: readonly string[] | undefined
  let allowList = new BlockList()
  // BlockList.check builds a SocketAddress per call: the verdicts for recent addresses are kept, and
  // forgotten together when the list changes or the memo reaches its bound.
  const verdicts = new Map<string, boolean>()
  let warnedProxy = false
  const listed = (ip: string): boolean => {
    let verdict = verdicts.get(ip)
    if (verdict === undefined) {
      verdict = isIP(ip) !== 0 && allowList.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4')
      if (verdicts.size >= ALLOW_VERDICTS_KEPT) verdicts.clear()
      verdicts.set(ip, verdict)
    }
    return verdict
  }
  const exempt = (request: FastifyRequest): boolean => {
    const entries = deps.config().rateLimit.allowList
    if (entries !== allowListSource) {
      allowListSource = entries
      allowList = compileAllowList(entries)
      verdicts.clear()
    }
    if (entries.length === 0) return false // the usual case: no address to parse, no list to search
    const ip = clientAddress(request)
    if (!listed(ip)) return false
    if (!proxied(request)) return true
    if (!warnedProxy && ip === bareAddress(request.socket.remoteAddress)) {
      warnedProxy = true
      request.log.warn({ ip: request.ip },
        'requests arrive through a proxy but TRUST_PROXY does not name it: rate limits see the proxy\'s address for every visitor')
    }
    return false
  }

  return async (request, reply, formId, opts = {}) => {
    if (request.method !== 'POST' || exempt(request)) return { flooded: false }
    const config = deps.config()
    const form = own(config.forms, formId)
    if (opts.skipPerIp !== true && limitFor(config, form, 'perIp') !== false) {
      const result = await perIp(request)
      if (!result.isAllowed && result.isExceeded) {
        const seconds = Math.max(1, result.ttlInSeconds)
        reply.header('retry-after', String(seconds))
          .header('x-ratelimit-limit', String(result.max))
          .header('x-ratelimit-remaining', '0')
          .header('x-ratelimit-reset', String(seconds))
        throw new RateLimitedError(seconds)
      }
    }
    if (form === undefined || limitFor(config, form, 'perForm') === false) return { flooded: false }
    const result = await perForm(request)
    return { flooded: !result.isAllowed && result.isExceeded }
  }
}

function formIdOf (request: FastifyRequest): string {
  const formId = (request.params as { formId?: unknown } | undefined)?.formId
  return typeof formId === 'string' ? formId : ''
}
