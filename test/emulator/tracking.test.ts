import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call, getJson } from './helpers.ts'

const TRACE = JSON.stringify({ url: 'https://shop.example.ru/catalog/stul/', pages: { list: [['https://shop.example.ru/', 1700000000, 'Магазин']] } })

describe('emulator: Sales Intelligence traces', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ rateLimit: false }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => { emu.reset() })

  const rest = async (method: string, payload: unknown) => await call(emu.webhookUrl, method, payload)

  it('records the TRACE of crm.lead.add and crm.deal.add and shows it on the leads page', async () => {
    const lead = await rest('crm.lead.add', { fields: { TITLE: 'Заявка', TRACE } })
    const deal = await rest('crm.deal.add', { fields: { TITLE: 'Сделка', TRACE } })
    expect(emu.traces()).toEqual([
      { ID: 1, TRACE: JSON.parse(TRACE), raw: TRACE, ENTITIES: [{ TYPE: 'LEAD', ID: lead.body.result }], via: 'add' },
      { ID: 2, TRACE: JSON.parse(TRACE), raw: TRACE, ENTITIES: [{ TYPE: 'DEAL', ID: deal.body.result }], via: 'add' }
    ])
    const page = await getJson(`${emu.url}/_emulator/leads`)
    expect(page[0].fields.TRACE).toBe(TRACE)
    expect(page[0].traces).toEqual([expect.objectContaining({ ID: 1, TRACE: JSON.parse(TRACE) })])
    expect((await getJson(`${emu.url}/_emulator/leads/${lead.body.result as number}`)).traces).toHaveLength(1)
  })

  it('adds a lead with an unreadable TRACE but records no trace for it', async () => {
    const lead = await rest('crm.lead.add', { fields: { TITLE: 'Заявка', TRACE: '{broken' } })
    expect(lead.status).toBe(200)
    expect(emu.traces()).toEqual([])
    expect((await getJson(`${emu.url}/_emulator/leads`))[0].traces).toBeUndefined()
  })

  it('links a trace to existing records with crm.tracking.trace.add, JSON or bracket notation', async () => {
    const lead = (await rest('crm.lead.add', { fields: { TITLE: 'Заявка' } })).body.result as number
    const contact = (await rest('crm.contact.add', { fields: { NAME: 'Анна' } })).body.result as number
    const entities = [{ TYPE: 'LEAD', ID: lead }, { TYPE: 'contact', ID: String(contact) }]
    const added = await rest('crm.tracking.trace.add', { TRACE, ENTITIES: entities })
    expect(added.body).toMatchObject({ result: 1 })
    const form = await rest('crm.tracking.trace.add', `ENTITIES[0][TYPE]=LEAD&ENTITIES[0][ID]=${lead}&TRACE=${encodeURIComponent(TRACE)}`)
    expect(form.body).toMatchObject({ result: 2 })
    expect(emu.traces().map(t => [t.via, t.ENTITIES])).toEqual([
      ['crm.tracking.trace.add', [{ TYPE: 'LEAD', ID: lead }, { TYPE: 'CONTACT', ID: contact }]],
      ['crm.tracking.trace.add', [{ TYPE: 'LEAD', ID: lead }]]
    ])
    expect((await getJson(`${emu.url}/_emulator/leads`))[0].traces).toHaveLength(2)
  })

  it('refuses what the portal refuses, with ERROR_CORE and its sentences', async () => {
    const lead = (await rest('crm.lead.add', { fields: { TITLE: 'Заявка' } })).body.result as number
    const cases: Array<[unknown, string]> = [
      [{ ENTITIES: [{ TYPE: 'LEAD', ID: lead }] }, 'Parameter `TRACE` required.'],
      [{ TRACE: 'not json', ENTITIES: [{ TYPE: 'LEAD', ID: lead }] }, 'Can not parse JSON in parameter `TRACE`.'],
      [
        { TRACE, ENTITIES: [{ TYPE: 'TASK', ID: 1 }] },
        'Wrong TYPE in parameter `ENTITIES`. Allowed types: COMPANY,CONTACT,DEAL,LEAD,QUOTE'
      ],
      [{ TRACE, ENTITIES: [{ TYPE: 'LEAD', ID: -3 }] }, 'Wrong ID in parameter `ENTITIES`.'],
      [{ TRACE, ENTITIES: [{ TYPE: 'DEAL', ID: 123 }] }, 'You have no access to entity `DEAL` with ID `123`.']
    ]
    for (const [payload, description] of cases) {
      const reply = await rest('crm.tracking.trace.add', payload)
      expect(reply.status).toBe(400)
      expect(reply.body).toEqual({ error: 'ERROR_CORE', error_description: description })
    }
    expect(emu.traces()).toEqual([])
  })
})
