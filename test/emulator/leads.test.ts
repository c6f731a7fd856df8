import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call } from './helpers.ts'

describe('emulator: crm.lead.add and crm.lead.get', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ rateLimit: false, userId: 3, currency: 'EUR' }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => emu.reset())

  const add = async (fields: unknown, params?: unknown) => await call(
    emu.webhookUrl,
    'crm.lead.add',
    params === undefined ? { fields } : { fields, params }
  )

  it('returns the new id as a JSON integer inside the success envelope', async () => {
    const res = await add({ TITLE: 'Hello' })
    expect(res.status).toBe(200)
    expect(res.body.result).toBe(1)
    const t = res.body.time
    expect(typeof t.start).toBe('number')
    expect(typeof t.finish).toBe('number')
    expect(typeof t.duration).toBe('number')
    expect(typeof t.processing).toBe('number')
    expect(t.date_start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/)
    expect(Number.isInteger(t.operating_reset_at)).toBe(true)
    expect(typeof t.operating).toBe('number')
  })

  it('applies defaults, keeps UF_CRM_* and origin fields, drops unknown and read-only keys', async () => {
    const sent = {
      NAME: 'Ann',
      FOO: 'bar',
      ID: 99,
      DATE_CREATE: '2001-01-01',
      UF_CRM_1711610801: 'uf',
      ORIGINATOR_ID: 'relay',
      ORIGIN_ID: 'sub-1',
      UTM_SOURCE: 'google'
    }
    const res = await add(sent)
    const lead = emu.lead(res.body.result)
    expect(lead).toBeDefined()
    const f = lead!.fields
    expect(f.TITLE).toBe('Lead #1')
    expect(f.STATUS_ID).toBe('NEW')
    expect(f.CURRENCY_ID).toBe('EUR')
    expect(f.ASSIGNED_BY_ID).toBe(3)
    expect(f.UF_CRM_1711610801).toBe('uf')
    expect(f.ORIGINATOR_ID).toBe('relay')
    expect(f.ORIGIN_ID).toBe('sub-1')
    expect(f.UTM_SOURCE).toBe('google')
    expect(f.FOO).toBeUndefined()
    expect(f.DATE_CREATE).not.toBe('2001-01-01')
    expect(lead!.sent).toEqual(sent)
    expect(lead!.viaBatch).toBe(false)
  })

  it('lets params.IMPORT set DATE_CREATE', async () => {
    const res = await add({ DATE_CREATE: '2001-01-01T10:00:00+00:00' }, { IMPORT: 'Y' })
    expect(emu.lead(res.body.result)?.fields.DATE_CREATE).toBe('2001-01-01T10:00:00+00:00')
  })

  it('normalises multifields: trim, skip empty, default VALUE_TYPE (WORK; IM → OTHER)', async () => {
    const res = await add({
      PHONE: [{ VALUE: '  +1 555 0100 ' }, { VALUE: '   ' }, { VALUE: '2', VALUE_TYPE: 'MOBILE' }],
      EMAIL: [{ VALUE: 'a@example.com', VALUE_TYPE: '' }],
      IM: [{ VALUE: 'tg' }],
      WEB: { n0: { VALUE: 'https://x.test' } }
    })
    const f = emu.lead(res.body.result)!.fields
    expect(f.PHONE).toEqual([{ ID: 1, VALUE: '+1 555 0100', VALUE_TYPE: 'WORK' }, { ID: 2, VALUE: '2', VALUE_TYPE: 'MOBILE' }])
    expect(f.EMAIL?.[0]?.VALUE_TYPE).toBe('WORK')
    expect(f.IM?.[0]?.VALUE_TYPE).toBe('OTHER')
    expect(f.WEB?.[0]?.VALUE).toBe('https://x.test')
  })

  it('rejects a multifield VALUE over 250 characters and a bad e-mail with 400 error ""', async () => {
    const long = await add({ PHONE: [{ VALUE: '1'.repeat(251) }] })
    expect(long.status).toBe(400)
    expect(long.body.error).toBe('')
    expect(long.body.error_description).toMatch(/too long/)
    const bad = await add({ EMAIL: [{ VALUE: 'not-an-email' }] })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ error: '', error_description: expect.stringMatching(/e-mail/) })
    expect(emu.leads()).toHaveLength(0)
    expect((await add({ PHONE: [{ VALUE: '1'.repeat(250) }] })).status).toBe(200)
  })

  it('normalises OPPORTUNITY strings and rejects malformed ones', async () => {
    const ok = await add({ OPPORTUNITY: '1 234,50' })
    expect(emu.lead(ok.body.result)?.fields.OPPORTUNITY).toBe('1234.50')
    const bad = await add({ OPPORTUNITY: '12abc' })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('')
    expect(bad.body.error_description).toContain('is incorrect')
  })

  it('rejects a non-map fields parameter', async () => {
    const res = await add('just a string')
    expect(res.status).toBe(400)
    expect(res.body).toEqual({ error: '', error_description: "Parameter 'fields' must be array." })
  })

  it('strips HTML tags from COMMENTS but keeps BB-code and text', async () => {
    const res = await add({ COMMENTS: '<strong>bold</strong> [b]x[/b]' })
    expect(emu.lead(res.body.result)?.fields.COMMENTS).toBe('bold [b]x[/b]')
  })

  it('drops an unparseable BIRTHDATE silently', async () => {
    const res = await add({ BIRTHDATE: 'someday', NAME: 'x' })
    expect(res.status).toBe(200)
    expect(emu.lead(res.body.result)?.fields.BIRTHDATE).toBeUndefined()
  })

  it('crm.lead.get returns strings for ids and numbers, null for empty strings and multifield items with ID/TYPE_ID', async () => {
    const id = (await add({ TITLE: 'T', NAME: '', BIRTHDATE: '1989-07-14', PHONE: [{ VALUE: '+15550100' }] })).body.result
    const res = await call(emu.webhookUrl, 'crm.lead.get', { id })
    const r = res.body.result
    expect(r.ID).toBe(String(id))
    expect(r.ASSIGNED_BY_ID).toBe('3')
    expect(r.OPPORTUNITY).toBe('0.00')
    expect(r.NAME).toBeNull()
    expect(r.HAS_PHONE).toBe('Y')
    expect(r.HAS_EMAIL).toBe('N')
    expect(r.STATUS_SEMANTIC_ID).toBe('P')
    expect(r.BIRTHDATE).toBe('1989-07-14T00:00:00+00:00')
    expect(r.PHONE).toEqual([{ ID: '1', VALUE_TYPE: 'WORK', VALUE: '+15550100', TYPE_ID: 'PHONE' }])
    expect(r.EMAIL).toBeUndefined()
  })

  it('crm.lead.get errors: bad id and unknown id', async () => {
    const bad = await call(emu.webhookUrl, 'crm.lead.get', { id: 'abc' })
    expect(bad.status).toBe(400)
    expect(bad.body).toEqual({ error: '', error_description: 'ID is not defined or invalid.' })
    const missing = await call(emu.webhookUrl, 'crm.lead.get', { id: 42 })
    expect(missing.status).toBe(400)
    expect(missing.body).toEqual({ error: '', error_description: 'Not found' })
  })

  it('lead() and leads() return copies', async () => {
    await add({ TITLE: 'orig' })
    emu.lead(1)!.fields.TITLE = 'changed'
    expect(emu.leads()[0]?.fields.TITLE).toBe('orig')
  })
})

describe('emulator: lead quirks', () => {
  it('requireTitle and strictLeadValidation model a stricter portal', async () => {
    const emu = await startEmulator({ quirks: { requireTitle: true, strictLeadValidation: true, validationBr: false } })
    try {
      const noTitle = await call(emu.webhookUrl, 'crm.lead.add', { fields: { NAME: 'x' } })
      expect(noTitle.status).toBe(400)
      expect(noTitle.body.error_description).toBe('The field "Lead name" is required.')
      const badStatus = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 't', STATUS_ID: 'WHATEVER' } })
      expect(badStatus.status).toBe(400)
      const badType = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 't', PHONE: [{ VALUE: '1', VALUE_TYPE: 'CELL' }] } })
      expect(badType.status).toBe(400)
      const fields = await call(emu.webhookUrl, 'crm.lead.fields', {})
      expect(fields.body.result.TITLE.isRequired).toBe(true)
    } finally {
      await emu.close()
    }
  })

  it('enforces mandatory user fields only with requiredUserFieldCheck', async () => {
    const userFields = [{ name: 'UF_CRM_CONSENT', mandatory: true, label: 'Consent' }]
    const lax = await startEmulator({ userFields })
    const strict = await startEmulator({ userFields, quirks: { requiredUserFieldCheck: true } })
    try {
      expect((await call(lax.webhookUrl, 'crm.lead.add', { fields: { TITLE: 't' } })).status).toBe(200)
      const res = await call(strict.webhookUrl, 'crm.lead.add', { fields: { TITLE: 't' } })
      expect(res.status).toBe(400)
      expect(res.body.error_description).toBe('The field "Consent" is required.<br />')
    } finally {
      await lax.close()
      await strict.close()
    }
  })
})

describe('emulator: crm.lead.list and crm.lead.fields', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator({ rateLimit: false, userFields: [{ name: 'UF_CRM_SOURCE_PAGE', label: 'Page' }] })
  })
  afterAll(async () => { await emu.close() })
  beforeEach(async () => {
    emu.reset()
    const leads = [
      { TITLE: 'Alpha', ORIGINATOR_ID: 'relay', ORIGIN_ID: 's1', STATUS_ID: 'NEW', PHONE: [{ VALUE: '+1 555 0100' }] },
      { TITLE: 'Beta', ORIGINATOR_ID: 'relay', ORIGIN_ID: 's2', STATUS_ID: 'JUNK' },
      { TITLE: 'Gamma', ORIGINATOR_ID: 'other', ORIGIN_ID: 's1', STATUS_ID: 'IN_PROCESS', UF_CRM_SOURCE_PAGE: '/p' }
    ]
    for (const fields of leads) await call(emu.webhookUrl, 'crm.lead.add', { fields })
  })

  const list = async (body: unknown) => (await call(emu.webhookUrl, 'crm.lead.list', body)).body
  const ids = (body: { result: Array<{ ID: string }> }) => body.result.map(r => r.ID)

  it('finds a submission by =ORIGINATOR_ID and =ORIGIN_ID, selecting only ID', async () => {
    const body = await list({ filter: { '=ORIGINATOR_ID': 'relay', '=ORIGIN_ID': 's1' }, select: ['ID'] })
    expect(body.result).toEqual([{ ID: '1' }])
    expect(body.total).toBe(1)
    expect(body.next).toBeUndefined()
  })

  it('supports @ (IN) with an array, also in bracket notation', async () => {
    expect(ids(await list({ filter: { '@ORIGIN_ID': ['s1', 's2'] } }))).toEqual(['1', '2', '3'])
    const form = await call(emu.webhookUrl, 'crm.lead.list', 'filter[@ORIGIN_ID][0]=s2&filter[ORIGINATOR_ID]=relay&select[0]=ID')
    expect(ids(form.body)).toEqual(['2'])
  })

  it('supports !, !@, %, !%, =%, >, >=, <, <= and no prefix', async () => {
    expect(ids(await list({ filter: { '!STATUS_ID': 'NEW' } }))).toEqual(['2', '3'])
    expect(ids(await list({ filter: { '!@STATUS_ID': ['NEW', 'JUNK'] } }))).toEqual(['3'])
    expect(ids(await list({ filter: { '%TITLE': 'mm' } }))).toEqual(['3'])
    expect(ids(await list({ filter: { '!%TITLE': 'a' } }))).toEqual([])
    expect(ids(await list({ filter: { '=%TITLE': 'B%' } }))).toEqual(['2'])
    expect(ids(await list({ filter: { '>ID': 1 } }))).toEqual(['2', '3'])
    expect(ids(await list({ filter: { '>=ID': 2, '<ID': 3 } }))).toEqual(['2'])
    expect(ids(await list({ filter: { '<=ID': '2' } }))).toEqual(['1', '2'])
    expect(ids(await list({ filter: { STATUS_ID: 'JUNK' } }))).toEqual(['2'])
    expect(ids(await list({ filter: { PHONE: '+1 555 0100' } }))).toEqual(['1'])
  })

  it('ignores unknown filter keys', async () => {
    expect((await list({ filter: { NOT_A_FIELD: 'x' } })).total).toBe(3)
  })

  it('selects default scalars, named multifields and UF_* only on request', async () => {
    const plain = (await list({ filter: { ID: 1 } })).result[0]
    expect(plain.TITLE).toBe('Alpha')
    expect(plain.PHONE).toBeUndefined()
    expect(plain.UF_CRM_SOURCE_PAGE).toBeUndefined()
    const rich = (await list({ filter: { ID: 3 }, select: ['*', 'UF_*', 'PHONE'] })).result[0]
    expect(rich.UF_CRM_SOURCE_PAGE).toBe('/p')
    expect(rich.PHONE).toEqual([])
    const named = (await list({ filter: { ID: 1 }, select: ['TITLE', 'PHONE'] })).result[0]
    expect(named).toEqual({ ID: '1', TITLE: 'Alpha', PHONE: [{ ID: '1', VALUE_TYPE: 'WORK', VALUE: '+1 555 0100', TYPE_ID: 'PHONE' }] })
  })

  it('orders by the order map', async () => {
    expect(ids(await list({ order: { ID: 'DESC' } }))).toEqual(['3', '2', '1'])
    expect(ids(await list({ order: { TITLE: 'DESC' } }))).toEqual(['3', '2', '1'])
  })

  it('pages by 50 with total and next; start=-1 skips the count', async () => {
    const cmd = Array.from({ length: 50 }, (_, i) => `crm.lead.add?fields[TITLE]=bulk${i}`)
    await call(emu.webhookUrl, 'batch', { cmd })
    await call(emu.webhookUrl, 'batch', { cmd })
    const first = await list({ select: ['ID'] })
    expect(first.result).toHaveLength(50)
    expect(first.total).toBe(103)
    expect(first.next).toBe(50)
    const last = await list({ select: ['ID'], start: 100 })
    expect(ids(last)).toEqual(['101', '102', '103'])
    expect(last.next).toBeUndefined()
    const uncounted = await list({ select: ['ID'], start: -1 })
    expect(uncounted.result).toHaveLength(50)
    expect(uncounted.total).toBeUndefined()
    expect(uncounted.next).toBeUndefined()
  })

  it('crm.lead.fields describes the documented fields and configured user fields', async () => {
    const f = (await call(emu.webhookUrl, 'crm.lead.fields', {})).body.result
    for (const name of [
      'ID', 'TITLE', 'ORIGINATOR_ID', 'ORIGIN_ID', 'UTM_SOURCE', 'UTM_TERM', 'PHONE', 'EMAIL', 'WEB', 'IM', 'BIRTHDATE'
    ]) {
      expect(f[name]).toBeDefined()
    }
    expect(f.ID).toMatchObject({ type: 'integer', isReadOnly: true })
    expect(f.TITLE.isRequired).toBe(false)
    expect(f.STATUS_ID).toMatchObject({ type: 'crm_status', statusType: 'STATUS' })
    expect(f.SOURCE_ID.statusType).toBe('SOURCE')
    expect(f.PHONE).toMatchObject({ type: 'crm_multifield', isMultiple: true })
    expect(f.BIRTHDATE.type).toBe('date')
    expect(f.UF_CRM_SOURCE_PAGE).toMatchObject({ isDynamic: true, listLabel: 'Page', type: 'string' })
  })
})
