import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildBatchPayload } from '../../src/bitrix/batch.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call, getJson } from './helpers.ts'

describe('emulator: contacts, companies, deals, timeline, product rows, user fields, simple mode', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator({
      rateLimit: false,
      userFields: [
        { name: 'UF_CRM_CITY', label: 'Город', list: ['Москва', 'Тверь', { ID: 77, VALUE: 'Казань', XML_ID: 'kzn' }] },
        { name: 'UF_CRM_DOCS', type: 'file', multiple: true },
        { name: 'UF_CRM_NOTE' }
      ]
    })
  })
  afterAll(async () => { await emu.close() })
  beforeEach(() => { emu.reset(); emu.setCrmMode(1) })

  const rest = async (method: string, payload: unknown) => await call(emu.webhookUrl, method, payload)

  it('adds, gets and lists contacts with multifields; ids as integers from add, strings from get', async () => {
    const add = await rest('crm.contact.add', {
      fields: {
        NAME: 'Анна',
        PHONE: [{ VALUE: '+7 900 111-22-33', VALUE_TYPE: 'MOBILE' }],
        EMAIL: [{ VALUE: 'anna@example.ru' }],
        ORIGIN_ID: 'o1'
      }
    })
    expect(add.body.result).toBe(1)
    const got = await rest('crm.contact.get', { id: 1 })
    expect(got.body.result).toMatchObject({ ID: '1', NAME: 'Анна', TYPE_ID: 'CLIENT', ORIGIN_ID: 'o1' })
    expect(got.body.result.PHONE).toEqual([{ ID: expect.any(String), VALUE_TYPE: 'MOBILE', VALUE: '+7 900 111-22-33', TYPE_ID: 'PHONE' }])
    const list = await rest('crm.contact.list', { filter: { ORIGIN_ID: 'o1' }, select: ['ID', 'NAME'] })
    expect(list.body.result).toEqual([{ ID: '1', NAME: 'Анна' }])
    expect(list.body.total).toBe(1)
    const none = await rest('crm.contact.list', { filter: { '@ORIGIN_ID': ['x', 'y'] } })
    expect(none.body.result).toEqual([])
    const bad = await rest('crm.contact.add', { fields: { EMAIL: [{ VALUE: 'not-an-email' }] } })
    expect(bad.status).toBe(400)
    expect(bad.body.error).toBe('')
    expect((await rest('crm.contact.get', { id: 9 })).body).toEqual({ error: '', error_description: 'Not found' })
  })

  it('refuses a company without TITLE and finds contacts and companies by phone or e-mail', async () => {
    expect((await rest('crm.company.add', { fields: {} })).status).toBe(400)
    await rest('crm.contact.add', { fields: { NAME: 'A', PHONE: [{ VALUE: '+79001112233' }] } })
    await rest('crm.company.add', {
      fields: { TITLE: 'ООО Ромашка', EMAIL: [{ VALUE: 'info@romashka.ru' }], PHONE: [{ VALUE: '+7 (900) 111-22-33' }] }
    })
    await rest('crm.lead.add', { fields: { TITLE: 'L', PHONE: [{ VALUE: '+7 900 111 22 33' }] } })
    const byPhone = await rest('crm.duplicate.findbycomm', { type: 'PHONE', values: ['+79001112233'] })
    expect(byPhone.body.result).toEqual({ LEAD: [1], CONTACT: [1], COMPANY: [1] })
    const contactsOnly = await rest('crm.duplicate.findbycomm', { type: 'PHONE', values: ['79001112233'], entity_type: 'CONTACT' })
    expect(contactsOnly.body.result).toEqual({ CONTACT: [1] })
    const byMail = await rest('crm.duplicate.findbycomm', { type: 'EMAIL', values: ['INFO@romashka.ru'], entity_type: 'COMPANY' })
    expect(byMail.body.result).toEqual({ COMPANY: [1] })
    const nothing = await rest('crm.duplicate.findbycomm', { type: 'EMAIL', values: ['nobody@example.com'], entity_type: 'CONTACT' })
    expect(nothing.body.result).toEqual([])
  })

  it('adds deals with defaults and lists them by LEAD_ID and ORIGIN_ID', async () => {
    await rest('crm.deal.add', { fields: { TITLE: 'D1', CONTACT_ID: 5, LEAD_ID: 3, ORIGINATOR_ID: 'relay', ORIGIN_ID: 's1' } })
    await rest('crm.deal.add', { fields: { CATEGORY_ID: -4 } })
    const [d1, d2] = emu.deals()
    expect(d1?.fields).toMatchObject({ TITLE: 'D1', STAGE_ID: 'NEW', CONTACT_IDS: [5], CONTACT_ID: 5 })
    expect(d2?.fields).toMatchObject({ TITLE: 'Deal #2', CATEGORY_ID: 0 })
    expect((await rest('crm.deal.list', { filter: { LEAD_ID: 3 }, select: ['ID'] })).body.result).toEqual([{ ID: '1' }])
    expect((await rest('crm.deal.list', {
      filter: { '=ORIGINATOR_ID': 'relay', '@ORIGIN_ID': ['s1', 's9'] },
      select: ['ID', 'ORIGIN_ID']
    })).body.result).toEqual([{ ID: '1', ORIGIN_ID: 's1' }])
    expect((await rest('crm.deal.get', { id: 2 })).body.result.CATEGORY_ID).toBe('0')
  })

  it('timeline comments: lowercase fields only, an existing owner, a non-empty text; files saved; list newest first', async () => {
    await rest('crm.lead.add', { fields: { TITLE: 'L' } })
    expect((await rest('crm.timeline.comment.add', { FIELDS: { ENTITY_ID: 1, ENTITY_TYPE: 'lead', COMMENT: 'x' } })).body.error)
      .toBe('100')
    expect((await rest('crm.timeline.comment.add', { fields: { ENTITY_ID: 9, ENTITY_TYPE: 'lead', COMMENT: 'x' } })).body.error)
      .toBe('OWNER_NOT_FOUND')
    expect((await rest('crm.timeline.comment.add', { fields: { ENTITY_ID: 1, ENTITY_TYPE: 'lead', COMMENT: ' ' } })).body.error)
      .toBe('INVALID_ARG_VALUE')
    const first = await rest('crm.timeline.comment.add', { fields: { ENTITY_ID: 1, ENTITY_TYPE: 'lead', COMMENT: 'first' } })
    expect(first.body.result).toBe(1)
    const content = Buffer.from('hello file').toString('base64')
    await rest('crm.timeline.comment.add', {
      fields: { ENTITY_ID: 1, ENTITY_TYPE: 'lead', COMMENT: 'second', FILES: [['a.txt', content]] }
    })
    const list = await rest('crm.timeline.comment.list', { filter: { ENTITY_ID: 1, ENTITY_TYPE: 'lead' } })
    expect(list.body.result.map((c: { COMMENT: string }) => c.COMMENT)).toEqual(['second', 'first'])
    expect(Object.values(list.body.result[0].FILES)).toEqual([{ id: 1, name: 'a.txt', size: 10 }])
    expect(emu.files()[0]?.content).toBe(content)
    expect((await rest('crm.timeline.comment.list', { filter: { ENTITY_TYPE: 'lead' } })).status).toBe(400)
  })

  it('product rows replace each other and set the lead total', async () => {
    await rest('crm.lead.add', { fields: { TITLE: 'L' } })
    await rest('crm.lead.productrows.set', { id: 1, rows: [{ PRODUCT_NAME: 'Диван', PRICE: 100, QUANTITY: 3 }] })
    await rest('crm.lead.productrows.set', { id: 1, rows: [{ PRODUCT_NAME: 'Кресло', PRICE: 250.5, QUANTITY: 2 }] })
    const rows = (await rest('crm.lead.productrows.get', { id: 1 })).body.result
    expect(rows).toEqual([expect.objectContaining({ PRODUCT_NAME: 'Кресло', PRICE: 250.5, QUANTITY: 2, OWNER_TYPE: 'L' })])
    expect(emu.lead(1)?.fields.OPPORTUNITY).toBe(501)
    expect((await rest('crm.lead.productrows.set', { id: 2, rows: [] })).body.error_description).toBe('Not found')
  })

  it('user fields: crm.lead.userfield.list with LIST items; crm.lead.fields with items', async () => {
    const res = await rest('crm.lead.userfield.list', {})
    const city = res.body.result.find((f: { FIELD_NAME: string }) => f.FIELD_NAME === 'UF_CRM_CITY')
    expect(city).toMatchObject({ ENTITY_ID: 'CRM_LEAD', USER_TYPE_ID: 'enumeration', EDIT_FORM_LABEL: 'Город' })
    expect(city.LIST.map((i: { ID: string, VALUE: string }) => [i.ID, i.VALUE]))
      .toEqual([['1', 'Москва'], ['2', 'Тверь'], ['77', 'Казань']])
    const filtered = await rest('crm.lead.userfield.list', { filter: { USER_TYPE_ID: 'file' } })
    expect(filtered.body.result.map((f: { FIELD_NAME: string }) => f.FIELD_NAME)).toEqual(['UF_CRM_DOCS'])
    const fields = (await rest('crm.lead.fields', {})).body.result
    expect(fields.UF_CRM_CITY.items).toEqual([{ ID: '1', VALUE: 'Москва' }, { ID: '2', VALUE: 'Тверь' }, { ID: '77', VALUE: 'Казань' }])
  })

  it('crm.lead.update saves fileData into a file field and crm.lead.get shows it', async () => {
    await rest('crm.lead.add', { fields: { TITLE: 'L' } })
    const content = Buffer.from('%PDF-1.4 test').toString('base64')
    const upd = await rest('crm.lead.update', {
      id: 1,
      fields: { UF_CRM_DOCS: [{ fileData: ['offer.pdf', content] }], UF_CRM_NOTE: 'n', COMMENTS: 'c' }
    })
    expect(upd.body.result).toBe(true)
    const lead = (await rest('crm.lead.get', { id: 1 })).body.result
    expect(lead.UF_CRM_DOCS).toEqual([{ id: 1, showUrl: '/_emulator/files/1', downloadUrl: '/_emulator/files/1' }])
    expect(lead.UF_CRM_NOTE).toBe('n')
    expect(emu.files()).toEqual([{ id: 1, name: 'offer.pdf', size: 13, content }])
    const bytes = await fetch(emu.url + '/_emulator/files/1').then(async r => Buffer.from(await r.arrayBuffer()))
    expect(bytes.toString()).toBe('%PDF-1.4 test')
    expect((await rest('crm.lead.update', { id: 5, fields: {} })).status).toBe(400)
  })

  it('simple mode: crm.settings.mode.get says 2 and a new lead with NAME becomes a deal with a contact', async () => {
    expect((await rest('crm.settings.mode.get', {})).body.result).toBe(1)
    emu.setCrmMode(2)
    expect((await rest('crm.settings.mode.get', {})).body.result).toBe(2)
    const add = await rest('crm.lead.add', {
      fields: { TITLE: 'T', NAME: 'Пётр', COMPANY_TITLE: 'ИП Пётр', PHONE: [{ VALUE: '+79005554433' }] }
    })
    expect(add.body.result).toBe(1)
    const lead = (await rest('crm.lead.get', { id: 1 })).body.result
    expect(lead.STATUS_ID).toBe('CONVERTED')
    expect(lead.STATUS_SEMANTIC_ID).toBe('S')
    const deals = (await rest('crm.deal.list', {
      filter: { LEAD_ID: 1 },
      select: ['ID', 'CONTACT_ID', 'COMPANY_ID', 'TITLE']
    })).body.result
    expect(deals).toEqual([{ ID: '1', CONTACT_ID: '1', COMPANY_ID: '1', TITLE: 'T' }])
    expect(emu.contacts()[0]?.fields).toMatchObject({ NAME: 'Пётр' })
    // Without NAME the lead stays a lead.
    await rest('crm.lead.add', { fields: { TITLE: 'no name' } })
    expect(emu.lead(2)?.fields.STATUS_ID).toBe('NEW')
    expect((await getJson(emu.url + '/_emulator/status')).crmMode).toBe(2)
  })

  it('batch: $result[key] and $result[key][FIELD] references carry the new lead id into follow-up commands', async () => {
    const payload = await buildBatchPayload([
      { key: 'l0', method: 'crm.lead.add', params: { fields: { TITLE: 'Батч', NAME: 'Ольга' } } },
      {
        key: 't0',
        method: 'crm.timeline.comment.add',
        params: { fields: { ENTITY_ID: '$result[l0]', ENTITY_TYPE: 'lead', COMMENT: 'Заявка $result[l0]' } }
      },
      {
        key: 'p0',
        method: 'crm.lead.productrows.set',
        params: { id: '$result[l0]', rows: [{ PRODUCT_NAME: 'Стол', PRICE: 10, QUANTITY: 2 }] }
      },
      { key: 'g0', method: 'crm.lead.get', params: { id: '$result[l0]' } },
      {
        key: 'n0',
        method: 'crm.timeline.comment.add',
        params: { fields: { ENTITY_ID: '$result[g0][ID]', ENTITY_TYPE: 'lead', COMMENT: '$result[g0][NAME]' } }
      }
    ], true)
    const res = await rest('batch', payload)
    expect(res.body.result.result_error).toEqual([])
    expect(res.body.result.result).toMatchObject({ l0: 1, t0: 1, p0: true, n0: 2 })
    expect(emu.comments().map(c => [c.ENTITY_ID, c.COMMENT])).toEqual([[1, 'Заявка 1'], [1, 'Ольга']])
    expect(emu.productRows('L', 1)).toEqual([expect.objectContaining({ PRODUCT_NAME: 'Стол', QUANTITY: 2 })])
  })
})
