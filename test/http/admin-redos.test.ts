/**
 * The stored ReDoS, over real HTTP: accepted posts whose values are long runs that make overlapping
 * regex quantifiers retry from every position, then an operator lists them. With quadratic masking
 * the list (and every other request, /healthz included, since they share the event loop) waited
 * for minutes; with the linear scanners both answer. The bound is the test's timeout, not a timer.
 */
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_TOKEN, buildAdminApp, type AdminTestApp } from './admin-app.ts'

const VALUE_CHARS = 100_000
const run = (unit: string): string => unit.repeat(Math.ceil(VALUE_CHARS / unit.length)).slice(0, VALUE_CHARS)
// Six values per post, each a worst case of one of the old masking regexes.
const HOSTILE = { name: run('a'), message: run('a@'), phone: run('1-'), city: run('1 '), note: run('a.'), extra: run('-') }

describe('admin listing of posts with long hostile values', () => {
  let t: AdminTestApp
  let base: string

  beforeAll(async () => {
    t = await buildAdminApp({
      raw: {
        limits: { bodyBytes: 2 * 1024 * 1024, fields: 50, valueChars: VALUE_CHARS },
        rateLimit: { perIp: false, perForm: false },
        delivery: { dedupeWindowMs: 0 }
      }
    })
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  })

  afterAll(async () => {
    await t?.close()
  })

  it('ten such posts are accepted, listed and masked, and /healthz answers meanwhile', async () => {
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${base}/f/default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ...HOSTILE, n: String(i) })
      })
      expect(res.status).toBe(202)
    }
    const list = fetch(`${base}/admin/submissions?limit=10`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    const health = fetch(`${base}/healthz`)
    const [listed, healthy] = await Promise.all([list, health])
    expect(healthy.status).toBe(200)
    expect(listed.status).toBe(200)
    const body = await listed.json() as { items: unknown[] }
    expect(body.items).toHaveLength(10)
  }, 60_000)
})
