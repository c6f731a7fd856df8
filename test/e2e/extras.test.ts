/**
 * The Bitrix24 extras end to end: relay (real HTTP) → SQLite outbox → the real worker →
 * the emulated portal. Duplicates (link, merge), the timeline comment, round-robin assignees,
 * list fields, product rows, deals and simple mode, each with its exactly-once guard under a lost reply.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import type { Counters } from '../../src/outbox/counters.ts'
import { openSqliteCounters } from '../../src/outbox/counters-sqlite.ts'
import { call } from '../emulator/helpers.ts'
import { startRig, type Rig } from './extras-rig.ts'

const withForm = (form: Record<string, unknown>) => (emu: { webhookUrl: string }) => buildConfig({
  forms: { f: { name: 'Заказ', portal: 'default', fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_HOME', company: 'COMPANY_TITLE', msg: 'COMMENTS' }, ...form } }
}, { B24_WEBHOOK_URL: emu.webhookUrl })

describe('duplicates: link', () => {
  let rig: Rig
  beforeAll(async () => { rig = await startRig({ config: withForm({ duplicates: 'link' }) }) })
  afterAll(async () => { await rig.close() })

  it('binds the lead to the contact and the company that have this phone or e-mail (a returning customer)', async () => {
    const hook = rig.emulator.webhookUrl
    await call(hook, 'crm.contact.add', { fields: { NAME: 'Old', PHONE: [{ VALUE: '+79001112233' }] } })
    await call(hook, 'crm.contact.add', { fields: { NAME: 'Also', EMAIL: [{ VALUE: 'anna@example.ru' }] } })
    await call(hook, 'crm.company.add', { fields: { TITLE: 'ООО Ромашка', EMAIL: [{ VALUE: 'anna@example.ru' }] } })
    const id = await rig.post('f', { name: 'Анна', phone: '8 900 111-22-33', email: 'anna@example.ru' })
    const rec = await rig.settled(id)
    expect(rec.status).toBe('delivered')
    const lead = (await call(hook, 'crm.lead.get', { id: rec.leadId })).body.result
    expect(lead).toMatchObject({ CONTACT_ID: '1', COMPANY_ID: '1', IS_RETURN_CUSTOMER: 'Y', ORIGIN_ID: id })
    // A new visitor stays a new lead.
    const fresh = await rig.settled(await rig.post('f', { name: 'Новый', phone: '+79990000000' }))
    const other = (await call(hook, 'crm.lead.get', { id: fresh.leadId })).body.result
    expect(other).toMatchObject({ CONTACT_ID: null, COMPANY_ID: null, IS_RETURN_CUSTOMER: 'N' })
  })
})

describe('duplicates: merge', () => {
  let rig: Rig
  beforeAll(async () => { rig = await startRig({ config: withForm({ duplicates: 'merge' }) }) })
  afterAll(async () => { await rig.close() })
  beforeEach(() => { rig.emulator.reset(); rig.emulator.setFaults({}) })

  it('an open lead with the same phone gets the new submission as a comment instead of a second lead', async () => {
    const first = await rig.settled(await rig.post('f', { name: 'Иван', phone: '+7 900 222-33-44', msg: 'Первый вопрос' }))
    const secondId = await rig.post('f', { name: 'Иван', phone: '89002223344', msg: 'Ещё вопрос' }, { referer: 'https://shop.example/sofa', 'user-agent': 'TestBrowser/1.0' })
    const second = await rig.settled(secondId)
    expect(second).toMatchObject({ status: 'delivered', leadId: first.leadId })
    expect(rig.emulator.leads()).toHaveLength(1)
    const [comment] = rig.emulator.comments()
    expect(comment).toMatchObject({ ENTITY_TYPE: 'lead', ENTITY_ID: first.leadId })
    expect(comment!.COMMENT).toContain('Повторная заявка с сайта: Заказ')
    expect(comment!.COMMENT).toContain(secondId)
    expect(comment!.COMMENT).toContain('msg: Ещё вопрос')
    expect(comment!.COMMENT).toContain('Страница: https://shop.example/sofa')
    expect(comment!.COMMENT).toContain('Браузер: TestBrowser/1.0')
  })

  it('a closed lead is not a merge target: a new lead is made', async () => {
    const first = await rig.settled(await rig.post('f', { name: 'A', email: 'a@example.ru' }))
    await call(rig.emulator.webhookUrl, 'crm.lead.update', { id: first.leadId, fields: { STATUS_ID: 'JUNK' } })
    const second = await rig.settled(await rig.post('f', { name: 'A again', email: 'a@example.ru' }))
    expect(second.leadId).not.toBe(first.leadId)
    expect(rig.emulator.leads()).toHaveLength(2)
    expect(rig.emulator.comments()).toHaveLength(0)
  })

  it('the comment is written once when its reply is lost: the retry finds it by the submission id', async () => {
    const first = await rig.settled(await rig.post('f', { name: 'B', phone: '+79005556677' }))
    // The merge runs: findbycomm batch, open-lead list, comment list, comment add (its reply lost).
    rig.emulator.setFaults({ next: ['ok', 'ok', 'ok', 'lostReply'] })
    const id = await rig.post('f', { name: 'B', phone: '+79005556677', msg: 'дубль' })
    const rec = await rig.settled(id, 15_000)
    expect(rec).toMatchObject({ status: 'delivered', leadId: first.leadId })
    expect(rec.attempts).toBeGreaterThan(1)
    expect(rig.emulator.comments().filter(c => c.COMMENT.includes(id))).toHaveLength(1)
    expect(rig.emulator.leads()).toHaveLength(1)
  })
})

describe('timeline: the whole submission as a comment, in the same batch as the add', () => {
  let rig: Rig
  beforeAll(async () => { rig = await startRig({ config: withForm({ timeline: true }) }) })
  afterAll(async () => { await rig.close() })
  beforeEach(() => { rig.emulator.reset(); rig.emulator.setFaults({}) })

  it('writes every field, the page, IP and user agent on the new lead with one request', async () => {
    const id = await rig.post('f', { name: 'Ольга', phone: '+79001230000', size: 'XL', options: ['a', 'b'] }, { referer: 'https://shop.example/p/1', 'user-agent': 'Agent/2' })
    const rec = await rig.settled(id)
    const [comment] = rig.emulator.comments()
    expect(comment).toMatchObject({ ENTITY_TYPE: 'lead', ENTITY_ID: rec.leadId })
    for (const part of ['Заявка с сайта: Заказ', `ID заявки: ${id}`, 'Страница: https://shop.example/p/1', 'IP: 127.0.0.1', 'Браузер: Agent/2', 'name: Ольга', 'size: XL', 'options: a, b']) {
      expect(comment!.COMMENT).toContain(part)
    }
    expect(rig.emulator.stats().requests).toBe(1)
    expect(rig.emulator.stats().byMethod).toMatchObject({ batch: 1, 'crm.lead.add': 1, 'crm.timeline.comment.add': 1 })
  })

  it('a lost batch reply: the retry finds the lead by ORIGIN_ID and neither the lead nor the comment is doubled', async () => {
    rig.emulator.setFaults({ next: ['lostReply'] })
    const id = await rig.post('f', { name: 'Lost', phone: '+79001230001' })
    const rec = await rig.settled(id, 15_000)
    expect(rec.status).toBe('delivered')
    expect(rig.emulator.leads()).toHaveLength(1)
    expect(rig.emulator.comments()).toHaveLength(1)
    expect(rig.emulator.stats().byMethod['crm.lead.list']).toBe(1)
  })
})

describe('a stored payload this version cannot read', () => {
  let rig: Rig
  beforeAll(async () => { rig = await startRig({ config: withForm({}) }) })
  afterAll(async () => { await rig.close() })

  it('is a dead letter with RELAY_ERR_BAD_PAYLOAD, and nothing is sent', async () => {
    const { id } = await rig.outbox.enqueue({ formId: 'f', portalId: 'default', payload: { fields: { TITLE: 'x' }, extras: { duplicates: 'sometimes' } } })
    rig.worker.wake('default')
    const rec = await rig.settled(id)
    expect(rec).toMatchObject({ status: 'dead', lastError: { code: 'RELAY_ERR_BAD_PAYLOAD' } })
    expect(rig.emulator.stats().requests).toBe(0)
  })

  it('without extras too: fields that are not lead fields are a dead letter, and nothing is sent', async () => {
    const bad = [{ fields: 'TITLE=x' }, { fields: { TITLE: 'x', PHONE: [{ NUMBER: '1' }] } }, { extras: {} }]
    const ids = await Promise.all(bad.map(async payload => (await rig.outbox.enqueue({ formId: 'f', portalId: 'default', payload })).id))
    rig.worker.wake('default')
    for (const id of ids) {
      expect(await rig.settled(id)).toMatchObject({ status: 'dead', lastError: { code: 'RELAY_ERR_BAD_PAYLOAD' } })
    }
    expect(rig.emulator.stats().requests).toBe(0)
  })
})

describe('products and list fields', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig({
      emulator: { userFields: [{ name: 'UF_CRM_CITY', label: 'Город', list: ['Москва', 'Санкт-Петербург', 'Тверь'] }] },
      config: withForm({ fields: { name: 'NAME', phone: 'PHONE_MOBILE', city: 'UF_CRM_CITY' }, listFields: ['UF_CRM_CITY'], product: { name: 'item', price: 'price', quantity: 'qty' } })
    })
  })
  afterAll(async () => { await rig.close() })

  it('turns the visitor\'s label into the list item id, and makes a product row from name, price and quantity', async () => {
    const rec = await rig.settled(await rig.post('f', { name: 'Иван', city: 'москва', item: 'Диван «Уют»', price: '12 500,50', qty: '2' }))
    const lead = rig.emulator.lead(rec.leadId as number)!
    expect(lead.fields.UF_CRM_CITY).toBe('1')
    expect(rig.emulator.productRows('L', lead.ID)).toEqual([expect.objectContaining({ PRODUCT_NAME: 'Диван «Уют»', PRICE: 12500.5, QUANTITY: 2 })])
    expect(lead.fields.OPPORTUNITY).toBe(25001)
  })

  it('notes a label the list does not know, and reads the list once per refresh interval', async () => {
    const rec = await rig.settled(await rig.post('f', { name: 'Пётр', city: 'Мск' }))
    const lead = rig.emulator.lead(rec.leadId as number)!
    expect(lead.fields.UF_CRM_CITY).toBeUndefined()
    expect(lead.fields.COMMENTS).toContain('UF_CRM_CITY: «Мск» нет в списке')
    const again = await rig.settled(await rig.post('f', { name: 'Анна', city: 'Тверь' }))
    expect(rig.emulator.lead(again.leadId as number)!.fields.UF_CRM_CITY).toBe('3')
    expect(rig.emulator.stats().byMethod['crm.lead.userfield.list']).toBe(1)
  })
})

describe('entity: deal, and simple mode', () => {
  let rig: Rig
  beforeAll(async () => {
    rig = await startRig({
      config: (emu) => buildConfig({
        portals: { simple: { webhook: emu.webhookUrl, crmMode: 'simple' } },
        forms: {
          deal: { name: 'Сделка', portal: 'default', entity: 'deal', timeline: true, fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', company: 'COMPANY_TITLE', sum: 'OPPORTUNITY' }, product: { name: 'item', price: 'price' } },
          dealLinked: { portal: 'default', entity: 'deal', duplicates: 'link', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } },
          plain: { portal: 'simple', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } }
        }
      }, { B24_WEBHOOK_URL: emu.webhookUrl })
    })
  })
  afterAll(async () => { await rig.close() })
  beforeEach(() => { rig.emulator.reset(); rig.emulator.setFaults({}); rig.emulator.setCrmMode(1) })

  it('creates a contact and a deal bound to it (no lead), with the comment and product row on the deal; records the deal id', async () => {
    const id = await rig.post('deal', { name: 'Сергей', phone: '+79007770000', email: 's@example.ru', company: 'ИП Сергей', sum: '1000', item: 'Стол', price: '1000' })
    const rec = await rig.settled(id)
    expect(rig.emulator.leads()).toHaveLength(0)
    const [contact] = rig.emulator.contacts()
    const [deal] = rig.emulator.deals()
    expect(contact!.fields).toMatchObject({ NAME: 'Сергей', ORIGIN_ID: id })
    expect(deal!.fields).toMatchObject({ CONTACT_ID: contact!.ID, ORIGIN_ID: id, ORIGINATOR_ID: 'b24-form-relay', TITLE: expect.stringContaining('Сергей') })
    expect(deal!.fields.COMMENTS).toContain('Компания: ИП Сергей')
    expect(rec).toMatchObject({ status: 'delivered', leadId: deal!.ID, dealId: deal!.ID })
    expect(rig.emulator.comments()[0]).toMatchObject({ ENTITY_TYPE: 'deal', ENTITY_ID: deal!.ID })
    expect(rig.emulator.productRows('D', deal!.ID)).toHaveLength(1)
  })

  it('links the deal to a known contact instead of creating one', async () => {
    await call(rig.emulator.webhookUrl, 'crm.contact.add', { fields: { NAME: 'Known', PHONE: [{ VALUE: '+79008880000' }] } })
    await rig.settled(await rig.post('dealLinked', { name: 'Known again', phone: '8 900 888 00 00' }))
    expect(rig.emulator.contacts()).toHaveLength(1)
    expect(rig.emulator.deals()[0]!.fields.CONTACT_ID).toBe(1)
  })

  it('a lost reply does not double the contact or the deal', async () => {
    rig.emulator.setFaults({ next: ['lostReply'] })
    const rec = await rig.settled(await rig.post('deal', { name: 'Lost', phone: '+79007770001' }), 15_000)
    expect(rec.status).toBe('delivered')
    expect(rig.emulator.deals()).toHaveLength(1)
    expect(rig.emulator.contacts()).toHaveLength(1)
    expect(rec.dealId).toBe(rig.emulator.deals()[0]!.ID)
  })

  it('on a simple-mode portal the lead the portal converts is recorded with its deal id', async () => {
    rig.emulator.setCrmMode(2)
    const rec = await rig.settled(await rig.post('plain', { name: 'Мария', phone: '+79006660000' }))
    const lead = rig.emulator.lead(rec.leadId as number)!
    expect(lead.fields.STATUS_ID).toBe('CONVERTED')
    expect(rec.dealId).toBe(rig.emulator.deals()[0]!.ID)
    expect(rig.emulator.deals()[0]!.fields.LEAD_ID).toBe(lead.ID)
  })
})

describe('ASSIGNED_BY_ID as a list: round-robin kept in the store', () => {
  let rig: Rig
  let dir: string
  const opened: Counters[] = []
  const counters = (): Counters => { const c = openSqliteCounters({ path: join(dir, 'relay.db') }); opened.push(c); return c }
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rr-'))
    rig = await startRig({ counters: counters(), config: withForm({ defaults: { ASSIGNED_BY_ID: [7, 9, 12] } }) })
  })
  afterAll(async () => {
    await rig.close()
    for (const c of opened) await c.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('takes the users in turn and carries on after a restart of the worker', async () => {
    const assigned = async (): Promise<unknown> => {
      const rec = await rig.settled(await rig.post('f', { name: `n${Math.random()}`, phone: '+79001110000' }))
      return rig.emulator.lead(rec.leadId as number)!.fields.ASSIGNED_BY_ID
    }
    expect([await assigned(), await assigned()]).toEqual(['7', '9'])
    await rig.restartWorker(counters())
    expect([await assigned(), await assigned()]).toEqual(['12', '7'])
  })
})
