/**
 * Admin token guessing over real HTTP: past `rateLimit.adminFailures.max` failed sign-ins in a window
 * a client gets 429 with Retry-After (even with the right token) until the window ends, on the admin
 * API and the status page alike, and the log has one line per client and window with the count.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../helpers/wait-for.ts'
import { buildSecureApp, type SecureApp } from './helpers.ts'

const TOKEN = 'admin-token-0123456789abcdef'
const MAX = 5
const WINDOW_MS = 60_000
/** The app's injected clock: the window ends when the test says so, whatever the machine's speed. */
let clock = 1_750_000_000_000

let t: SecureApp | undefined
let lines: Array<Record<string, unknown>> = []

async function start (): Promise<SecureApp> {
  lines = []
  const sink = new Writable({
    write (chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>)
      done()
    }
  })
  t = await buildSecureApp({ rateLimit: { adminFailures: { max: MAX, timeWindow: WINDOW_MS } } },
    { adminToken: TOKEN, logger: pino({ level: 'info' }, sink), now: () => clock })
  await t.listen()
  return t
}

afterEach(async () => {
  await t?.close()
  t = undefined
})

const failureLines = (): Array<Record<string, unknown>> => lines.filter((l) => l.msg === 'admin sign-ins failed')

describe('failed admin sign-ins are throttled per client', () => {
  it('bearer tokens: 401 up to the limit, then 429 with Retry-After until the window ends; one log line', async () => {
    const app = await start()
    const statuses: number[] = []
    for (let i = 0; i < 30; i++) {
      const res = await fetch(`${app.url}/admin/submissions`, { headers: { authorization: `Bearer wrong-token-${i}-0123456789` } })
      statuses.push(res.status)
      if (res.status === 429) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('RELAY_ERR_ADMIN_THROTTLED')
      } else {
        await res.arrayBuffer()
      }
    }
    expect(statuses.slice(0, MAX)).toEqual(Array(MAX).fill(401))
    expect(statuses.slice(MAX)).toEqual(Array(30 - MAX).fill(429))
    // The right token does not help while the client is blocked: guessing stops, it does not slow.
    expect((await fetch(`${app.url}/admin/submissions`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(429)
    // No line per try; one line per client and window, with the counts.
    expect(lines.filter((l) => l.msg === 'admin request refused')).toHaveLength(0)
    clock += WINDOW_MS - 1000
    const stillBlocked = await fetch(`${app.url}/admin/submissions`, { headers: { authorization: `Bearer ${TOKEN}` } })
    expect(stillBlocked.status).toBe(429)
    expect(stillBlocked.headers.get('retry-after')).toBe('1')
    // Once the window is over, the right token works again, and the window's one line is written.
    clock += 1000
    expect((await fetch(`${app.url}/admin/submissions`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200)
    const line = await waitFor(() => failureLines()[0], { what: 'the aggregated warn line' })
    expect(line).toMatchObject({ level: 40, code: 'RELAY_ERR_ADMIN_THROTTLED', failures: MAX, throttled: 30 - MAX + 2 })
    expect(failureLines()).toHaveLength(1)
  }, 40_000)

  it('status page logins: the same limit, answered 429 on the login page', async () => {
    const app = await start()
    const statuses: number[] = []
    for (let i = 0; i < 15; i++) {
      const res = await fetch(`${app.url}/status/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=wrong-${i}`
      })
      statuses.push(res.status)
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      await res.arrayBuffer()
    }
    expect(statuses.slice(0, MAX)).toEqual(Array(MAX).fill(401))
    expect(statuses.slice(MAX)).toEqual(Array(15 - MAX).fill(429))
    const right = await fetch(`${app.url}/status/login`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${TOKEN}`
    })
    expect(right.status).toBe(429)
    // Closing the app writes what is pending.
    await app.close()
    t = undefined
    expect(failureLines()).toHaveLength(1)
    expect(failureLines()[0]).toMatchObject({ failures: MAX, routes: ['/status/login'] })
  }, 40_000)
})
