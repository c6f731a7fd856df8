/**
 * An open-loop load: requests leave at a steady rate whatever the answers do, as visitors arrive.
 * autocannon's rate option releases each second's quota at once, which shows its own queueing as
 * latency (p99 near 100 ms against a server that answers in 1 ms), so the spike uses this instead.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { Pool } from 'undici'
import { FORM_HEADERS, uniqueFormBody, type LoadResult } from './load.ts'
import { latencySummary } from './stats.ts'

export interface PacedOptions {
  url: string
  total: number
  perSecond: number
  /** Keep-alive connections the pool may open (a new one when all are busy, up to this many). */
  connections: number
}

export async function runPaced (opts: PacedOptions): Promise<LoadResult> {
  const target = new URL(opts.url)
  const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1 })
  const times: number[] = []
  const statusCodes: Record<string, number> = {}
  let ok = 0
  let errors = 0
  const inFlight: Array<Promise<void>> = []
  const start = performance.now()
  const send = async (): Promise<void> => {
    // From the send, not from the schedule: a runner that was itself kept off the CPU is not the server's doing.
    const sentAt = performance.now()
    try {
      const res = await pool.request({ path: target.pathname, method: 'POST', headers: FORM_HEADERS, body: uniqueFormBody() })
      await res.body.dump()
      times.push(performance.now() - sentAt)
      statusCodes[res.statusCode] = (statusCodes[res.statusCode] ?? 0) + 1
      if (res.statusCode >= 200 && res.statusCode < 300) ok++
    } catch {
      errors++
    }
  }
  for (let i = 0; i < opts.total; i++) {
    const due = start + (i * 1000) / opts.perSecond
    const wait = due - performance.now()
    if (wait > 1) await sleep(wait)
    inFlight.push(send())
  }
  await Promise.all(inFlight)
  const seconds = (performance.now() - start) / 1000
  await pool.close()
  return {
    rps: ok / seconds,
    latency: latencySummary(times),
    sent: opts.total,
    ok,
    non2xx: times.length - ok,
    errors,
    seconds,
    statusCodes
  }
}
