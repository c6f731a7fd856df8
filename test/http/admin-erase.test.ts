/**
 * Personal-data erasure (by e-mail or phone, in any notation, in any status, without a trace in the
 * database file), the mapping dry run (same decoding as the intake, nothing stored or sent) and the
 * OpenAPI description.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteSpamStore } from '../../src/security/spam-store-sqlite.ts'
import { auth, buildAdminApp, type AdminTestApp } from './admin-app.ts'

const RAW = {
  portals: { main: { webhook: 'http://127.0.0.1:9/rest/1/aaa/' } },
  forms: {
    contact: {
      portal: 'main',
      fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', message: 'COMMENTS' },
      required: ['name']
    },
    legacy: { portal: 'main', charset: 'windows-1251', fields: { fio: 'NAME', tel: 'PHONE_WORK' } }
  }
}

describe('admin: erase, dry run, OpenAPI', () => {
  let t: AdminTestApp
  let dir: string
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-erase-'))
    t = await buildAdminApp({ raw: RAW, env: {}, path: join(dir, 'relay.db') })
  })
  afterEach(async () => {
    await t.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const submit = async (body: Record<string, string>): Promise<string> => {
    const res = await t.app.inject({ method: 'POST', url: '/f/contact', payload: body })
    expect(res.statusCode).toBe(202)
    return res.json<{ id: string }>().id
  }
  const erase = async (body: unknown): Promise<{ status: number, body: { erased?: number, error?: { code: string } } }> => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/erase', headers: auth, payload: body as Record<string, string> })
    return { status: res.statusCode, body: res.json() }
  }
  const fileText = (): string => ['relay.db', 'relay.db-wal'].map(f => {
    try { return readFileSync(join(dir, f), 'latin1') } catch { return '' }
  }).join('')

  it('erases every submission holding the e-mail, in any status, and leaves no trace in the file', async () => {
    const mine = [
      await submit({ name: 'Anna', email: 'Anna.Petrova@Example.com' }),
      await submit({ name: 'A. P.', email: 'x@example.org', message: 'or write to anna.petrova@example.com please' })
    ]
    const other = await submit({ name: 'Joanna', email: 'joanna.petrova@example.com' })
    const [c] = await t.outbox.claim({ limit: 1, leaseMs: 60_000 })
    await t.outbox.deadLetter(c!.id, c!.leaseToken, { code: 'RELAY_ERR_B24_VALIDATION', message: 'refused' })
    expect(fileText()).toContain('nna.Petrova@Example.com')

    expect(await erase({ email: 'anna.petrova@example.com' })).toEqual({ status: 200, body: { ok: true, erased: 2, erasedSpam: 0 } })
    for (const id of mine) expect(await t.outbox.get(id)).toBeUndefined()
    expect((await t.outbox.get(other))?.payload).toMatchObject({ fields: { NAME: 'Joanna' } })
    const text = fileText().toLowerCase()
    expect(text).not.toMatch(/[^a-z]anna\.petrova@example\.com/)
    expect(text).toContain('joanna.petrova@example.com')
    expect(await erase({ email: 'anna.petrova@example.com' })).toMatchObject({ body: { erased: 0 } })
  })

  it('erases the person from held spam too', async () => {
    await t.close()
    const spamStore = openSqliteSpamStore(':memory:')
    t = await buildAdminApp({ raw: RAW, env: {}, path: join(dir, 'relay2.db'), deps: { spamStore } })
    // The honeypot catches these: never delivered, but held for review with the visitor's data.
    const spam = await t.app.inject({
      method: 'POST',
      url: '/f/contact',
      payload: { name: 'Bot', email: 'anna.petrova@example.com', _gotcha: 'x' }
    })
    expect(spam.statusCode).toBe(202)
    await t.app.inject({ method: 'POST', url: '/f/contact', payload: { name: 'Bot2', email: 'other@example.com', _gotcha: 'x' } })
    expect(await spamStore.list()).toHaveLength(2)
    expect(await erase({ email: 'anna.petrova@example.com' })).toEqual({ status: 200, body: { ok: true, erased: 0, erasedSpam: 1 } })
    expect((await spamStore.list()).map(r => r.values.name)).toEqual(['Bot2'])
    await spamStore.close()
  })

  it('erases by phone typed in any notation', async () => {
    const a = await submit({ name: 'Boris', phone: '8 (900) 123-45-67' })
    const b = await submit({ name: 'Boris', message: 'звоните: +7 900 1234567' })
    const keep = await submit({ name: 'Vera', phone: '+7 900 123-45-68' })
    expect(await erase({ phone: '+79001234567' })).toMatchObject({ status: 200, body: { erased: 2 } })
    expect(await t.outbox.get(a)).toBeUndefined()
    expect(await t.outbox.get(b)).toBeUndefined()
    expect(await t.outbox.get(keep)).toBeDefined()
    expect((await erase({})).body.error?.code).toBe('RELAY_ERR_ADMIN_INPUT')
  })

  it('dry run: a windows-1251 form body becomes the exact crm.lead.add call; nothing is stored', async () => {
    const body = Buffer.concat([Buffer.from('fio='), iconv.encode('Иван Петров', 'win1251'), Buffer.from('&tel=8 900 123 45 67&extra=1')])
    const res = await t.app.inject({
      method: 'POST',
      url: '/admin/dry-run/legacy',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      payload: body
    })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({
      ok: true,
      formId: 'legacy',
      portalId: 'main',
      accepted: true,
      errors: {},
      method: 'crm.lead.add',
      params: {
        fields: expect.objectContaining({
          NAME: 'Иван Петров',
          PHONE: [{ VALUE: '+79001234567', VALUE_TYPE: 'WORK' }],
          ORIGINATOR_ID: 'b24-form-relay',
          ORIGIN_ID: '(submission id)'
        }),
        params: { REGISTER_SONET_EVENT: 'Y' }
      }
    })
    expect(String((res.json() as { params: { fields: { COMMENTS: string } } }).params.fields.COMMENTS)).toContain('extra: 1')
    expect((await t.outbox.stats()).pending).toBe(0)
  })

  it('dry run reports what the intake would refuse (JSON body), and needs the token', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/admin/dry-run/contact', headers: auth, payload: { email: 'not-an-address' } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toMatchObject({ accepted: false, errors: { name: expect.any(String), email: expect.any(String) } })
    expect((await t.app.inject({ method: 'POST', url: '/admin/dry-run/contact', payload: { name: 'x' } })).statusCode).toBe(401)
    expect((await t.app.inject({ method: 'POST', url: '/admin/dry-run/nope', headers: auth, payload: { name: 'x' } })).statusCode)
      .toBe(404)
    expect((await t.outbox.stats()).pending).toBe(0)
  })

  it('/docs/json describes the intake and the admin API with its bearer scheme', async () => {
    const res = await t.app.inject({ url: '/docs/json' })
    expect(res.statusCode).toBe(200)
    interface Operation {
      tags?: string[]
      security?: unknown[]
      requestBody?: { content: Record<string, unknown> }
      parameters?: Array<{ name: string }>
    }
    interface OpenApi {
      openapi: string
      paths: Record<string, Record<string, Operation>>
      components: { securitySchemes: Record<string, unknown> }
    }
    const doc = res.json<OpenApi>()
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/f/{formId}', '/healthz', '/readyz', '/metrics', '/admin/submissions', '/admin/submissions/{id}',
      '/admin/submissions/{id}/retry', '/admin/dead-letters/retry', '/admin/erase', '/admin/dry-run/{formId}'
    ]))
    expect(Object.keys(doc.paths['/f/{formId}']?.post?.requestBody?.content ?? {})).toEqual(
      ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json', 'text/plain'])
    expect(doc.paths['/admin/submissions']?.get?.security).toEqual([{ adminToken: [] }])
    expect(doc.paths['/admin/submissions']?.get?.parameters?.map(p => p.name))
      .toEqual(expect.arrayContaining(['status', 'form', 'from', 'to', 'limit', 'before']))
    expect(doc.components.securitySchemes.adminToken).toEqual({ type: 'http', scheme: 'bearer' })
    expect(Object.keys(doc.paths).some(p => p.startsWith('/status'))).toBe(false)
  })
})
