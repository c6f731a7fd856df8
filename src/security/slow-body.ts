/**
 * Drops connections whose body trickles in. Node's own timeouts (set in app.ts from `limits`) bound
 * the whole request and its headers; this adds a minimum average rate, so a client dribbling a byte
 * every few seconds loses its connection long before the request timeout would end it.
 */
import type { FastifyInstance } from 'fastify'
import { SlowBodyError } from '../errors.ts'

export interface SlowBodyOptions {
  /** 0 turns the check off. */
  minBytesPerSecond: number
  /** The rate is judged only once the body has taken this long. */
  graceMs: number
  now?: () => number
}

function hasBody (headers: Record<string, string | string[] | undefined>): boolean {
  const length = headers['content-length']
  return headers['transfer-encoding'] !== undefined || (typeof length === 'string' && length !== '0')
}

export function slowBodyGuard (app: FastifyInstance, opts: SlowBodyOptions): void {
  if (opts.minBytesPerSecond <= 0) return
  const now = opts.now ?? Date.now
  const checkMs = Math.max(50, Math.min(1000, Math.floor(opts.graceMs / 4)))
  app.addHook('onRequest', async (request) => {
    const req = request.raw
    if (req.complete || !hasBody(req.headers)) return
    const socket = req.socket
    // Injected requests (app.inject) have no real socket to measure.
    if (typeof socket?.bytesRead !== 'number') return
    const started = now()
    const startBytes = socket.bytesRead
    const timer = setInterval(() => {
      if (req.complete || socket.destroyed) return stop()
      const elapsed = now() - started
      if (elapsed < opts.graceMs) return
      const rate = (socket.bytesRead - startBytes) / (elapsed / 1000)
      if (rate >= opts.minBytesPerSecond) return
      const err = new SlowBodyError(opts.minBytesPerSecond)
      request.log.warn({ code: err.code, ip: request.ip, bytes: socket.bytesRead - startBytes, ms: elapsed }, 'slow body dropped')
      stop()
      socket.destroy()
    }, checkMs)
    timer.unref()
    // A keep-alive socket outlives its requests: every listener this request adds is removed when
    // it ends, or the socket would keep each answered request (and its closure) until it closes.
    const stop = (): void => {
      clearInterval(timer)
      req.removeListener('end', stop)
      req.removeListener('close', stop)
      socket.removeListener('close', stop)
    }
    req.once('end', stop)
    req.once('close', stop)
    socket.once('close', stop)
  })
}
