/** The load generator: autocannon against one URL, keeping every response time (not autocannon's whole-ms histogram). */
import autocannon from 'autocannon'
import { latencySummary, type Latencies } from './stats.ts'

/** A contact-form post as a browser sends it; the number at the end makes each one unique, so none is a double submit. */
const FORM_BODY = new URLSearchParams({
  name: 'Иван Петров',
  phone: '+7 916 123-45-67',
  email: 'ivan.petrov@example.com',
  utm_source: 'google',
  utm_medium: 'cpc',
  page_url: 'https://example.com/catalog/item-42?utm_source=google&utm_medium=cpc',
  message: 'Хочу узнать цену и сроки доставки, перезвоните после 18:00. Заявка '
}).toString()

let sequence = 0
/** The form body with a number of its own at the end. */
export const uniqueFormBody = (): string => `${FORM_BODY}${process.pid}-${++sequence}`
// autocannon's own [<id>] replacement sends a wrong Content-Length once its ids grow; building each
// request here lets autocannon compute the length itself.
const uniqueBody = (request: Record<string, unknown>): Record<string, unknown> => ({ ...request, body: uniqueFormBody() })

export const FORM_HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }

export interface LoadOptions {
  url: string
  connections: number
  /** Seconds; ignored when `amount` is set. */
  duration?: number
  amount?: number
}

export interface LoadResult {
  /** 2xx answers per second of the run. */
  rps: number
  latency: Latencies
  sent: number
  ok: number
  non2xx: number
  errors: number
  seconds: number
  statusCodes: Record<string, number>
}

export async function runLoad (opts: LoadOptions): Promise<LoadResult> {
  const times: number[] = []
  const statusCodes: Record<string, number> = {}
  let ok = 0
  const startedAt = performance.now()
  let lastAt = startedAt
  const instance = autocannon({
    url: opts.url,
    method: 'POST',
    headers: FORM_HEADERS,
    requests: [{ setupRequest: uniqueBody }],
    connections: opts.connections,
    timeout: 30,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration ?? 10 })
  })
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    times.push(responseTime)
    lastAt = performance.now()
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1
    if (statusCode >= 200 && statusCode < 300) ok++
  })
  const result = await instance
  // autocannon ends a run on its next one-second tick; the last answer is when the work was done.
  const seconds = (lastAt - startedAt) / 1000
  return {
    rps: ok / seconds,
    latency: latencySummary(times),
    sent: times.length + result.errors,
    ok,
    non2xx: times.length - ok,
    errors: result.errors,
    seconds,
    statusCodes
  }
}
