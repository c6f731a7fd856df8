/**
 * Failed admin sign-ins (bearer tokens on the admin API and /metrics, the status page's login) per
 * client address. Past `max` failures in a window the client is refused with 429 and Retry-After
 * until the window ends, without its token being looked at, so guessing costs a window per `max`
 * tries. The log gets one warn line per client and window, with the count, instead of one per try.
 * Counters live in this process: a guess spread over N instances gets N times `max` per window.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
import { AdminThrottledError } from '../errors.ts'
import { clientAddress, clientKey } from './client-address.ts'

type ThrottledError = InstanceType<typeof AdminThrottledError>

export type FailureLimit = false | { max: number, timeWindow: number }

export interface SignInThrottle {
  /** Answers 429 and returns true when this client is blocked; the caller stops there. */
  refuseIfBlocked: (
    request: FastifyRequest, reply: FastifyReply, send: (reply: FastifyReply, e: ThrottledError) => FastifyReply
  ) => boolean
  /** Counts one failed sign-in of this client. */
  failed: (request: FastifyRequest, where: string) => void
  /** Writes the pending log lines (also done once per window by a timer). */
  flush: () => void
  close: () => void
}

interface Client {
  ip: string
  windowStart: number
  failures: number
  throttled: number
  reported: { failures: number, throttled: number }
  where: Set<string>
}

export interface SignInThrottleOptions {
  limit: () => FailureLimit
  log: FastifyBaseLogger
  now?: () => number
}

export function signInThrottle (opts: SignInThrottleOptions): SignInThrottle {
  const now = opts.now ?? Date.now
  const clients = new Map<string, Client>()
  const windowMs = (): number => {
    const limit = opts.limit()
    return limit === false ? 60_000 : limit.timeWindow
  }

  const report = (c: Client): void => {
    const failures = c.failures - c.reported.failures
    const throttled = c.throttled - c.reported.throttled
    if (failures === 0 && throttled === 0) return
    const code = new AdminThrottledError(0).code
    opts.log.warn({ code, ip: c.ip, failures, throttled, windowMs: windowMs(), routes: [...c.where] }, 'admin sign-ins failed')
    c.reported = { failures: c.failures, throttled: c.throttled }
    c.where.clear()
  }

  const current = (request: FastifyRequest): Client => {
    const key = clientKey(clientAddress(request))
    const t = now()
    let c = clients.get(key)
    if (c !== undefined && t >= c.windowStart + windowMs()) {
      report(c)
      clients.delete(key)
      c = undefined
    }
    if (c === undefined) {
      c = { ip: request.ip, windowStart: t, failures: 0, throttled: 0, reported: { failures: 0, throttled: 0 }, where: new Set() }
      clients.set(key, c)
    }
    return c
  }

  const flush = (): void => {
    const t = now()
    for (const [key, c] of clients) {
      report(c)
      if (t >= c.windowStart + windowMs()) clients.delete(key)
    }
  }
  let timer: NodeJS.Timeout | undefined
  const schedule = (): void => {
    timer = setTimeout(() => {
      flush()
      schedule()
    }, windowMs())
    timer.unref()
  }
  schedule()

  return {
    refuseIfBlocked: (request, reply, send) => {
      const limit = opts.limit()
      if (limit === false) return false
      const key = clientKey(clientAddress(request))
      if (!clients.has(key)) return false
      const c = current(request)
      if (c.failures < limit.max) return false
      c.throttled++
      const seconds = Math.max(1, Math.ceil((c.windowStart + limit.timeWindow - now()) / 1000))
      send(reply.header('retry-after', String(seconds)), new AdminThrottledError(seconds))
      return true
    },
    failed: (request, where) => {
      const c = current(request)
      c.failures++
      c.where.add(where)
    },
    flush,
    close: () => {
      if (timer !== undefined) clearTimeout(timer)
      flush()
    }
  }
}
