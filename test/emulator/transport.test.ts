import { FormData, request } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call } from './helpers.ts'

describe('emulator: webhook auth, paths and method lookup', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ secret: 's3cret', userId: 7 }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => {
    emu.reset()
    emu.restoreWebhook()
    emu.setScopes(['crm'])
  })

  it('exposes the webhook URL of the configured user and secret', () => {
    expect(emu.webhookUrl).toBe(`${emu.url}/rest/7/s3cret/`)
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers 403 INVALID_CREDENTIALS (as the docs say) for a wrong secret or user id', async () => {
    for (const base of [`${emu.url}/rest/7/wrong/`, `${emu.url}/rest/8/s3cret/`, `${emu.url}/rest/x/s3cret/`]) {
      const res = await call(base, 'crm.lead.add', { fields: { TITLE: 'x' } })
      expect(res.status).toBe(403)
      expect(res.body).toEqual({ error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' })
    }
    expect(emu.leads()).toHaveLength(0)
  })

  it('answers 401 NO_AUTH_FOUND without credentials in the path', async () => {
    const res = await call(`${emu.url}/rest/`, 'crm.lead.add', { fields: { TITLE: 'x' } })
    expect(res.status).toBe(401)
    expect(res.body.error).toBe('NO_AUTH_FOUND')
  })

  it('answers 404 ERROR_METHOD_NOT_FOUND for an unknown method', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.nope', {})
    expect(res.status).toBe(404)
    expect(res.body).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' })
  })

  it('accepts METHOD, METHOD.json, METHOD/ and GET with a query string', async () => {
    expect((await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'a' } })).body.result).toBe(1)
    expect((await call(emu.webhookUrl, 'crm.lead.add.json', { fields: { TITLE: 'b' } })).body.result).toBe(2)
    expect((await call(emu.webhookUrl, 'crm.lead.add/', { fields: { TITLE: 'c' } })).body.result).toBe(3)
    const viaGet = await call(emu.webhookUrl, 'crm.lead.get', undefined, { httpMethod: 'GET', query: 'id=3' })
    expect(viaGet.body.result.TITLE).toBe('c')
  })

  it('sends the REST headers', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.fields', {})
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.headers['access-control-allow-origin']).toBe('*')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
  })

  it('refuses a revoked webhook until it is restored', async () => {
    emu.revokeWebhook()
    const res = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } })
    expect(res.status).toBe(403)
    expect(res.body.error).toBe('INVALID_CREDENTIALS')
    expect(emu.leads()).toHaveLength(0)
    emu.restoreWebhook()
    expect((await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } })).status).toBe(200)
  })

  it('answers insufficient_scope when the webhook lacks crm, also inside batch', async () => {
    emu.setScopes(['user'])
    const direct = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } })
    expect(direct.status).toBe(403)
    expect(direct.body.error).toBe('insufficient_scope')
    const batch = await call(emu.webhookUrl, 'batch', { cmd: { a: 'crm.lead.list' } })
    expect(batch.status).toBe(200)
    // As in the docs' recorded example: an empty description.
    expect(batch.body.result.result_error.a).toEqual({ error: 'insufficient_scope', error_description: '' })
  })

  it('counts every /rest request and each invoked method', async () => {
    await call(emu.webhookUrl, 'crm.lead.add', { fields: {} })
    await call(`${emu.url}/rest/7/bad/`, 'crm.lead.add', {})
    await call(emu.webhookUrl, 'batch', { cmd: ['crm.lead.add?fields[TITLE]=b', 'crm.lead.list'] })
    const stats = emu.stats()
    expect(stats.requests).toBe(3)
    expect(stats.byMethod).toEqual({ 'crm.lead.add': 2, batch: 1, 'crm.lead.list': 1 })
  })
})

describe('emulator: configurable auth status (docs say 403)', () => {
  it('uses the quirk status for INVALID_CREDENTIALS and insufficient_scope', async () => {
    const emu = await startEmulator({ quirks: { invalidCredentialsStatus: 403, insufficientScopeStatus: 403 }, scopes: [] })
    try {
      expect((await call(`${emu.url}/rest/1/nope/`, 'crm.lead.add', {})).status).toBe(403)
      const scope = await call(emu.webhookUrl, 'crm.lead.add', {})
      expect(scope.status).toBe(403)
      expect(scope.body.error).toBe('insufficient_scope')
    } finally {
      await emu.close()
    }
  })
})

describe('emulator: request bodies', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ rateLimit: false }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => emu.reset())

  it('reads a JSON body', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'json', PHONE: [{ VALUE: '1', VALUE_TYPE: 'MOBILE' }] } })
    expect(res.body.result).toBe(1)
    expect(emu.lead(1)?.fields.PHONE).toEqual([{ ID: 1, VALUE: '1', VALUE_TYPE: 'MOBILE' }])
  })

  it('reads a urlencoded body in PHP bracket notation', async () => {
    const body = 'fields[TITLE]=My%20company&fields[PHONE][0][VALUE]=112233&fields[PHONE][0][VALUE_TYPE]=WORK' +
      '&fields[EMAIL][0][VALUE]=a%40b.co&params[REGISTER_SONET_EVENT]=Y'
    const res = await call(emu.webhookUrl, 'crm.lead.add', body)
    expect(res.status).toBe(200)
    const lead = emu.lead(res.body.result)
    expect(lead?.fields.TITLE).toBe('My company')
    expect(lead?.fields.PHONE?.[0]).toMatchObject({ VALUE: '112233', VALUE_TYPE: 'WORK' })
    expect(lead?.fields.EMAIL?.[0]).toMatchObject({ VALUE: 'a@b.co', VALUE_TYPE: 'WORK' })
    expect(lead?.params).toEqual({ REGISTER_SONET_EVENT: 'Y' })
  })

  it('reads a multipart body in bracket notation', async () => {
    const form = new FormData()
    form.append('fields[TITLE]', 'multipart')
    form.append('fields[IM][0][VALUE]', 'tg-handle')
    form.append('fields[PHONE][0][VALUE]', '+1 555 0100')
    const res = await request(emu.webhookUrl + 'crm.lead.add', { method: 'POST', body: form })
    const body = await res.body.json() as { result: number }
    expect(res.statusCode).toBe(200)
    const lead = emu.lead(body.result)
    expect(lead?.fields.TITLE).toBe('multipart')
    expect(lead?.fields.IM).toEqual([{ ID: 1, VALUE: 'tg-handle', VALUE_TYPE: 'OTHER' }])
    expect(lead?.fields.PHONE?.[0]?.VALUE).toBe('+1 555 0100')
  })

  it('turns invalid JSON into an empty parameter set (a default lead)', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.add', '{"fields": {"TITLE": ', { contentType: 'application/json' })
    expect(res.status).toBe(200)
    expect(emu.lead(res.body.result)?.fields.TITLE).toBe(`Lead #${res.body.result}`)
  })

  it('merges query-string params with the body winning at the top level', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'from body' } }, {
      query: 'fields[TITLE]=from%20query&fields[NAME]=Q&params[REGISTER_SONET_EVENT]=N'
    })
    const lead = emu.lead(res.body.result)
    expect(lead?.fields.TITLE).toBe('from body')
    expect(lead?.fields.NAME).toBeUndefined()
    expect(lead?.params).toEqual({ REGISTER_SONET_EVENT: 'N' })
  })

  it('accepts FIELDS / Fields and ID / id', async () => {
    const a = await call(emu.webhookUrl, 'crm.lead.add', { FIELDS: { TITLE: 'upper' } })
    const b = await call(emu.webhookUrl, 'crm.lead.add', { Fields: { TITLE: 'cap' } })
    expect(emu.lead(a.body.result)?.fields.TITLE).toBe('upper')
    expect(emu.lead(b.body.result)?.fields.TITLE).toBe('cap')
    expect((await call(emu.webhookUrl, 'crm.lead.get', { ID: a.body.result })).body.result.TITLE).toBe('upper')
    expect((await call(emu.webhookUrl, 'crm.lead.get', { id: String(b.body.result) })).body.result.TITLE).toBe('cap')
  })

  it('reads a plain-text body through parse_str', async () => {
    const res = await call(emu.webhookUrl, 'crm.lead.add', 'fields[TITLE]=text', { contentType: 'text/plain' })
    expect(emu.lead(res.body.result)?.fields.TITLE).toBe('text')
  })
})
