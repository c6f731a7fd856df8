/**
 * The admin API: the token guard, search by status/form/portal/time with pages, one submission with
 * its attempts and the portal's messages (masked unless revealed), retry, delete, and a store
 * without the admin port. Erase and the dry run have their own file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SubmissionRecord } from '../../src/outbox/types.ts'
import { ADMIN_TOKEN, auth, buildAdminApp, type AdminTestApp } from './admin-app.ts'

interface View {
  id: string
  formId: string
  portalId: string
  status: string
  fields: Record<string, unknown>
  meta: Record<string, unknown> | null
  lastError: { code: string, message: string } | null
  history?: Array<{ attempt: number, outcome: string, error: { code: string, message: string } | null }>
}

const RAW = {
  portals: { main: { webhook: 'http://127.0.0.1:9/rest/1/aaa/' }, second: { webhook: 'http://127.0.0.1:9/rest/1/bbb/' } },
  forms: {
    contact: { portal: 'main', fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', message: 'COMMENTS' } },
    callback: { portal: 'second', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } }
  }
}

describe('admin API', () => {
  let t: AdminTestApp
  let clock: number
  beforeEach(async () => {
    clock = Date.UTC(2030, 0, 10, 12)
    t = await buildAdminApp({ raw: RAW, env: {}, now: () => clock })
  })
  afterEach(async () => { await t.close() })

  const submit = async (form: string, body: Record<string, string>): Promise<string> => {
    const res = await t.app.inject({ method: 'POST', url: `/f/${form}`, payload: body })
    expect(res.statusCode).toBe(202)
    return res.json<{ id: string }>().id
  }
  const get = async <T>(url: string, headers: Record<string, string> = auth): Promise<{ status: number, body: T }> => {
    const res = await t.app.inject({ url, headers })
    return { status: res.statusCode, body: res.json<T>() }
  }
  /** Dead-letters one claimed submission after a failed attempt, through the outbox as the worker would. */
  const failTwice = async (portalId: string): Promise<void> => {
    const [first] = await t.outbox.claim({ limit: 1, leaseMs: 60_000, portalId })
    if (first === undefined) throw new Error('nothing to claim')
    const error = { code: 'RELAY_ERR_B24_SERVER', message: 'HTTP 502 from the portal' }
    await t.outbox.retryLater(first.id, first.leaseToken, { at: clock, error, outcomeUnknown: true })
    const [again] = await t.outbox.claim({ limit: 1, leaseMs: 60_000, portalId })
    if (again === undefined) throw new Error('nothing to claim again')
    await t.outbox.deadLetter(again.id, again.leaseToken,
      { code: 'RELAY_ERR_B24_VALIDATION', message: 'Email "anna@example.com" is not valid' })
  }

  it('answers 401 without the token or with a wrong one, and 404 everywhere when no token is configured', async () => {
    expect((await get('/admin/submissions', {})).status).toBe(401)
    const wrong = await get<{ error: { code: string } }>('/admin/submissions', { authorization: `Bearer ${ADMIN_TOKEN}x` })
    expect(wrong).toMatchObject({ status: 401, body: { error: { code: 'RELAY_ERR_ADMIN_UNAUTHORIZED' } } })
    const off = await buildAdminApp({ deps: { adminToken: undefined } })
    try {
      expect((await off.app.inject({ url: '/admin/submissions', headers: auth })).statusCode).toBe(404)
      expect((await off.app.inject({ url: '/status', headers: auth })).statusCode).toBe(404)
    } finally {
      await off.close()
    }
  })

  it('lists newest first with contact data masked, filters by status, form, portal and time, and pages', async () => {
    const a = await submit('contact', {
      name: 'Anna',
      phone: '+7 900 123-45-67',
      email: 'anna@example.com',
      message: 'call me at 8 900 765-43-21'
    })
    clock += 3_600_000
    const b = await submit('callback', { name: 'Boris', phone: '+79005554433' })
    clock += 3_600_000
    const c = await submit('contact', { name: 'Vera', phone: '+79001112233' })
    await failTwice('second') // b is now dead

    const all = await get<{ items: View[], next?: string }>('/admin/submissions')
    expect(all.status).toBe(200)
    expect(all.body.items.map(i => i.id)).toEqual([c, b, a])
    const anna = all.body.items[2] as View
    expect(anna.fields).toMatchObject({ NAME: 'Anna', PHONE: [{ VALUE: '+7900*****67' }], EMAIL: [{ VALUE: 'a***@example.com' }] })
    expect(String(anna.fields.COMMENTS)).toContain('call me at 8 900 ***-**-21')
    expect(JSON.stringify(all.body)).not.toMatch(/anna@example\.com|1234567|765-43/)

    expect((await get<{ items: View[] }>('/admin/submissions?status=dead')).body.items.map(i => i.id)).toEqual([b])
    expect((await get<{ items: View[] }>('/admin/submissions?status=pending,dead&form=contact')).body.items.map(i => i.id)).toEqual([c, a])
    expect((await get<{ items: View[] }>('/admin/submissions?portal=second')).body.items.map(i => i.id)).toEqual([b])
    const from = new Date(Date.UTC(2030, 0, 10, 13)).toISOString()
    expect((await get<{ items: View[] }>(`/admin/submissions?from=${from}`)).body.items.map(i => i.id)).toEqual([c, b])
    expect((await get<{ items: View[] }>(`/admin/submissions?to=${Date.UTC(2030, 0, 10, 13)}`)).body.items.map(i => i.id)).toEqual([a])

    const page1 = await get<{ items: View[], next?: string }>('/admin/submissions?limit=2')
    expect(page1.body.items.map(i => i.id)).toEqual([c, b])
    expect(page1.body.next).toBe(b)
    const page2 = await get<{ items: View[], next?: string }>(`/admin/submissions?limit=2&before=${page1.body.next ?? ''}`)
    expect(page2.body.items.map(i => i.id)).toEqual([a])
    expect(page2.body.next).toBeUndefined()

    const revealed = await get<{ items: View[] }>('/admin/submissions?form=contact&reveal=1')
    expect(revealed.body.items[1]?.fields).toMatchObject({ EMAIL: [{ VALUE: 'anna@example.com' }], PHONE: [{ VALUE: '+79001234567' }] })

    const bad = await get<{ error: { code: string, message: string } }>('/admin/submissions?status=lost&limit=9999')
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('RELAY_ERR_ADMIN_INPUT')
    expect(bad.body.error.message).toMatch(/status.*limit/s)
  })

  it('shows one submission with every attempt and the portal\'s message; retries it; refuses to retry what is not dead', async () => {
    const id = await submit('contact', { name: 'Anna', phone: '+79001234567', email: 'anna@example.com' })
    await failTwice('main')
    const shown = await get<{ revealed: boolean, submission: View }>(`/admin/submissions/${id}`)
    expect(shown.status).toBe(200)
    expect(shown.body.revealed).toBe(false)
    expect(shown.body.submission).toMatchObject({
      id,
      status: 'dead',
      lastError: { code: 'RELAY_ERR_B24_VALIDATION', message: 'Email "a***@example.com" is not valid' }
    })
    expect(shown.body.submission.history).toEqual([
      expect.objectContaining({
        attempt: 1,
        outcome: 'retry',
        error: { code: 'RELAY_ERR_B24_SERVER', message: 'HTTP 502 from the portal' }
      }),
      expect.objectContaining({
        attempt: 2,
        outcome: 'dead',
        error: { code: 'RELAY_ERR_B24_VALIDATION', message: 'Email "a***@example.com" is not valid' }
      })
    ])
    const revealed = await get<{ revealed: boolean, submission: View }>(`/admin/submissions/${id}?reveal=1`)
    expect(revealed.body.submission.lastError?.message).toBe('Email "anna@example.com" is not valid')
    expect(revealed.body.submission.meta).toMatchObject({ values: { email: 'anna@example.com' } })

    const retry = await t.app.inject({ method: 'POST', url: `/admin/submissions/${id}/retry`, headers: auth })
    expect(retry.json()).toEqual({ ok: true, id, status: 'pending' })
    expect((await t.outbox.get(id))?.status).toBe('pending')
    const again = await t.app.inject({ method: 'POST', url: `/admin/submissions/${id}/retry`, headers: auth })
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ error: { code: 'RELAY_ERR_NOT_DEAD' } })
    const unknown = await t.app.inject({ method: 'POST', url: '/admin/submissions/01NOSUCHID0000000000000000/retry', headers: auth })
    expect(unknown.statusCode).toBe(404)
    expect((await get<{ error: { code: string } }>('/admin/submissions/01NOSUCHID0000000000000000')).body.error.code)
      .toBe('RELAY_ERR_SUBMISSION_NOT_FOUND')
  })

  it('retries every dead letter, or one portal\'s', async () => {
    await submit('contact', { name: 'A', phone: '+79001234567' })
    await submit('callback', { name: 'B', phone: '+79001234568' })
    await failTwice('main')
    await failTwice('second')
    const one = await t.app.inject({ method: 'POST', url: '/admin/dead-letters/retry?portal=second', headers: auth })
    expect(one.json()).toEqual({ ok: true, requeued: 1 })
    expect((await t.outbox.stats()).byPortal.main?.dead).toBe(1)
    const rest = await t.app.inject({ method: 'POST', url: '/admin/dead-letters/retry', headers: auth })
    expect(rest.json()).toEqual({ ok: true, requeued: 1 })
    expect((await t.outbox.stats()).dead).toBe(0)
  })

  it('deletes one submission with its history and dedupe key', async () => {
    const body = { name: 'Anna', phone: '+79001234567' }
    const id = await submit('contact', body)
    await failTwice('main')
    const del = await t.app.inject({ method: 'DELETE', url: `/admin/submissions/${id}`, headers: auth })
    expect(del.json()).toEqual({ ok: true, id, deleted: true })
    expect(await t.outbox.get(id)).toBeUndefined()
    const db = t.outbox.connection()
    expect(db.prepare('SELECT count(*) AS n FROM attempts').get()).toEqual({ n: 0 })
    expect(db.prepare('SELECT count(*) AS n FROM dedupe_keys').get()).toEqual({ n: 0 })
    expect((await t.outbox.stats()).dead).toBe(0)
    // The same values again are a new submission now, not a duplicate of the deleted one.
    expect(await submit('contact', body)).not.toBe(id)
    expect((await t.app.inject({ method: 'DELETE', url: `/admin/submissions/${id}`, headers: auth })).statusCode).toBe(404)
  })

  it('says 501 for search, delete and erase on a store without the admin port; get and retry still work', async () => {
    const plain = await buildAdminApp({ deps: {} })
    const { outbox } = plain
    // A store that offers only the Outbox port (like the Redis one).
    const portOnly = {
      enqueue: outbox.enqueue.bind(outbox),
      claim: outbox.claim.bind(outbox),
      complete: outbox.complete.bind(outbox),
      retryLater: outbox.retryLater.bind(outbox),
      release: outbox.release.bind(outbox),
      deadLetter: outbox.deadLetter.bind(outbox),
      get: outbox.get.bind(outbox),
      listDead: outbox.listDead.bind(outbox),
      requeueDead: outbox.requeueDead.bind(outbox),
      stats: outbox.stats.bind(outbox),
      heldSummary: outbox.heldSummary.bind(outbox),
      close: outbox.close.bind(outbox),
      releaseHeld: outbox.releaseHeld.bind(outbox),
      discardHeld: outbox.discardHeld.bind(outbox),
      purge: outbox.purge.bind(outbox),
      usage: outbox.usage.bind(outbox)
    }
    const { buildApp } = await import('../../src/app.ts')
    const app = await buildApp({ config: () => plain.config, outbox: portOnly, adminToken: ADMIN_TOKEN })
    try {
      const list = await app.inject({ url: '/admin/submissions', headers: auth })
      expect(list.statusCode).toBe(501)
      expect(list.json()).toMatchObject({ error: { code: 'RELAY_ERR_ADMIN_UNSUPPORTED' } })
      expect((await app.inject({ method: 'POST', url: '/admin/erase', headers: auth, payload: { email: 'a@b.cd' } })).statusCode).toBe(501)
      const res = await app.inject({ method: 'POST', url: '/f/default', payload: { name: 'x' } })
      const id = res.json<{ id: string }>().id
      expect((await app.inject({ url: `/admin/submissions/${id}`, headers: auth })).json<{ submission: SubmissionRecord }>().submission.id)
        .toBe(id)
      expect((await app.inject({ url: '/readyz' })).json()).toMatchObject({ ok: true, store: { ok: true, writable: null } })
    } finally {
      await app.close()
      await plain.close()
    }
  })
})
