import { describe, expect, it } from 'vitest'
import { MockAgent } from 'undici'
import { BitrixError, BitrixUsageError } from '../../src/bitrix/errors.ts'
import { TIME, sendJson, trackedPortals, type Handler } from './fake-portal.ts'

const { portal, client, track } = trackedPortals()

describe('batch', () => {
  it('sends command strings and reads results, errors, totals and nexts', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, {
      result: {
        result: { a: 101, list: [{ ID: '1' }] },
        result_error: { b: { error: '', error_description: 'Access denied.' }, c: 'ERROR_CORE' },
        result_total: { list: '75' },
        result_next: { list: 50 },
        result_time: { a: TIME }
      },
      time: TIME
    }))
    const reply = await client({ webhook: p.webhook }).batch([
      {
        key: 'a',
        method: 'crm.lead.add',
        params: { fields: { TITLE: 'A', PHONE: [{ VALUE: '1', VALUE_TYPE: 'WORK' }] }, params: { REGISTER_SONET_EVENT: 'Y' } }
      },
      { key: 'b', method: 'crm.lead.add', params: { fields: { TITLE: 'B' } } },
      { key: 'c', method: 'crm.lead.add', params: { fields: { TITLE: 'C' } } },
      { key: 'list', method: 'crm.lead.list', params: { select: ['ID'] } }
    ], { halt: true })
    expect(p.requests[0]!.path).toMatch(/\/batch$/)
    expect(p.requests[0]!.json).toEqual({
      halt: 1,
      cmd: {
        a: 'crm.lead.add?fields[TITLE]=A&fields[PHONE][0][VALUE]=1&fields[PHONE][0][VALUE_TYPE]=WORK&params[REGISTER_SONET_EVENT]=Y',
        b: 'crm.lead.add?fields[TITLE]=B',
        c: 'crm.lead.add?fields[TITLE]=C',
        list: 'crm.lead.list?select[0]=ID'
      }
    })
    expect(reply.results).toEqual({ a: 101, list: [{ ID: '1' }] })
    expect(reply.errors).toEqual({ b: { error: '', description: 'Access denied.' }, c: { error: 'ERROR_CORE', description: '' } })
    expect(reply.totals).toEqual({ list: 75 })
    expect(reply.nexts).toEqual({ list: 50 })
  })

  it('tolerates [] for every empty map', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, {
      result: { result: { a: 5 }, result_error: [], result_total: [], result_next: [], result_time: [] },
      time: TIME
    }))
    const reply = await client({ webhook: p.webhook }).batch([{ key: 'a', method: 'crm.lead.add', params: {} }])
    expect(reply).toEqual({ results: { a: 5 }, errors: {}, totals: {}, nexts: {} })
    expect(p.requests[0]!.json.halt).toBe(0)
  })

  it('reads a list-shaped result (numeric keys)', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: { result: [7, 8], result_error: [] } }))
    const reply = await client({ webhook: p.webhook }).batch([
      { key: '0', method: 'crm.lead.add', params: {} },
      { key: '1', method: 'crm.lead.add', params: {} }
    ])
    expect(reply.results).toEqual({ 0: 7, 1: 8 })
  })

  it('throws the classified error when the whole batch is rate limited', async () => {
    const p = await portal((_req, res) => sendJson(res, 503, { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }))
    const err = await client({ webhook: p.webhook }).batch([{ key: 'a', method: 'crm.lead.add', params: {} }]).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BitrixError)
    expect(err).toMatchObject({ kind: 'rate_limit', method: 'batch' })
  })

  it('refuses 51 commands and sends nothing for an empty batch', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: { result: [], result_error: [] } }))
    const c = client({ webhook: p.webhook })
    const commands = Array.from({ length: 51 }, (_, i) => ({ key: `k${i}`, method: 'crm.lead.add', params: {} }))
    await expect(c.batch(commands)).rejects.toBeInstanceOf(BitrixUsageError)
    expect(await c.batch([])).toEqual({ results: {}, errors: {}, totals: {}, nexts: {} })
    expect(p.requests).toHaveLength(0)
  })

  it('a batch reply without the inner maps is a bad reply', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: 'nope' }))
    const err = await client({ webhook: p.webhook }).batch([{ key: 'a', method: 'crm.lead.add', params: {} }]).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'bad_reply', outcomeUnknown: true })
  })
})

interface Lead { ID: number, ORIGINATOR_ID: string, ORIGIN_ID: string }

/** crm.lead.list over a fixed set of leads: =ORIGINATOR_ID, @ORIGIN_ID, ORDER ID, 50 per page. */
function leadListHandler (leads: Lead[]): Handler {
  return (req, res) => {
    const { filter, start = 0 } = req.json as { filter: Record<string, unknown>, start?: number }
    const ids = new Set(filter['@ORIGIN_ID'] as string[])
    const rows = leads
      .filter((l) => l.ORIGINATOR_ID === filter['=ORIGINATOR_ID'] && ids.has(l.ORIGIN_ID))
      .sort((a, b) => a.ID - b.ID)
    const page = rows.slice(start, start + 50).map((l) => ({ ID: String(l.ID), ORIGIN_ID: l.ORIGIN_ID, ORIGINATOR_ID: l.ORIGINATOR_ID }))
    sendJson(res, 200, { result: page, total: rows.length, ...(start + 50 < rows.length ? { next: start + 50 } : {}), time: TIME })
  }
}

describe('findLeadsByOrigin', () => {
  it('filters by originator and origin ids, chunks by 50 and follows next', async () => {
    const leads: Lead[] = []
    for (let i = 0; i < 120; i++) leads.push({ ID: 1000 + i, ORIGINATOR_ID: 'relay', ORIGIN_ID: `sub-${i}` })
    // Duplicates of sub-0 (a retry that created a second lead): the oldest wins.
    for (let i = 0; i < 60; i++) leads.push({ ID: 5000 + i, ORIGINATOR_ID: 'relay', ORIGIN_ID: 'sub-0' })
    leads.push({ ID: 900, ORIGINATOR_ID: 'other-app', ORIGIN_ID: 'sub-1' })
    const p = await portal(leadListHandler(leads))

    const wanted = [...Array.from({ length: 120 }, (_, i) => `sub-${i}`), 'sub-0', 'missing-1', '']
    const found = await client({ webhook: p.webhook }).findLeadsByOrigin('relay', wanted)

    expect(found.size).toBe(120)
    expect(found.get('sub-0')).toBe(1000)
    expect(found.get('sub-1')).toBe(1001)
    expect(found.get('sub-119')).toBe(1119)
    expect(found.has('missing-1')).toBe(false)

    const first = p.requests[0]!.json
    expect(p.requests[0]!.path).toMatch(/\/crm\.lead\.list$/)
    expect(first.filter['=ORIGINATOR_ID']).toBe('relay')
    expect(first.filter['@ORIGIN_ID']).toHaveLength(50)
    expect(first.select).toEqual(expect.arrayContaining(['ID', 'ORIGIN_ID']))
    expect(first.start).toBe(0)
    // 121 distinct ids (duplicates and "" dropped): chunk 1 holds 110 rows over three pages, then 50 and 21 ids.
    expect(p.requests.map((r) => [r.json.filter['@ORIGIN_ID'].length, r.json.start]))
      .toEqual([[50, 0], [50, 50], [50, 100], [50, 0], [21, 0]])
  })

  it('ignores rows a portal returns for other originators or ids', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, {
      result: [
        { ID: '10', ORIGIN_ID: 'a', ORIGINATOR_ID: 'other' },
        { ID: '11', ORIGIN_ID: 'zzz', ORIGINATOR_ID: 'relay' },
        { ID: '12', ORIGIN_ID: 'a', ORIGINATOR_ID: 'relay' }
      ],
      total: 3
    }))
    const found = await client({ webhook: p.webhook }).findLeadsByOrigin('relay', ['a'])
    expect([...found]).toEqual([['a', 12]])
  })

  it('makes no call for an empty list and stops when next does not advance', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: [], total: 0, next: 0 }))
    const c = client({ webhook: p.webhook })
    expect((await c.findLeadsByOrigin('relay', [])).size).toBe(0)
    expect(p.requests).toHaveLength(0)
    await c.findLeadsByOrigin('relay', ['x'])
    expect(p.requests).toHaveLength(1)
  })

  it('rejects rows without a usable ID as a bad reply', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, { result: [{ ID: 'abc', ORIGIN_ID: 'a' }] }))
    const err = await client({ webhook: p.webhook }).findLeadsByOrigin('relay', ['a']).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'bad_reply' })
  })
})

describe('leadFields and statusList', () => {
  it('reads crm.lead.fields', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, {
      result: {
        ID: { type: 'integer', isRequired: false, isReadOnly: true, isImmutable: false, isMultiple: false, isDynamic: false, title: 'ID' },
        TITLE: {
          type: 'string',
          isRequired: true,
          isReadOnly: false,
          isImmutable: false,
          isMultiple: false,
          isDynamic: false,
          title: 'Lead Name'
        },
        SOURCE_ID: {
          type: 'crm_status',
          isRequired: false,
          isReadOnly: false,
          isImmutable: false,
          isMultiple: false,
          isDynamic: false,
          statusType: 'SOURCE',
          title: 'Source'
        },
        PHONE: {
          type: 'crm_multifield',
          isRequired: false,
          isReadOnly: false,
          isImmutable: false,
          isMultiple: true,
          isDynamic: false,
          title: 'Phone'
        },
        UF_CRM_1711610801: {
          type: 'enumeration',
          isRequired: false,
          isReadOnly: false,
          isImmutable: false,
          isMultiple: false,
          isDynamic: true,
          title: 'UF_CRM_1711610801',
          listLabel: 'Budget',
          formLabel: 'Budget',
          filterLabel: 'Budget',
          settings: { DISPLAY: 'LIST' },
          items: [{ ID: '44', VALUE: 'Small' }, { ID: 45, VALUE: 'Large' }]
        }
      },
      time: TIME
    }))
    const fields = await client({ webhook: p.webhook }).leadFields()
    expect(p.requests[0]!.path).toMatch(/\/crm\.lead\.fields$/)
    expect(fields.TITLE).toMatchObject({ type: 'string', isRequired: true, title: 'Lead Name' })
    expect(fields.ID?.isReadOnly).toBe(true)
    expect(fields.SOURCE_ID?.statusType).toBe('SOURCE')
    expect(fields.PHONE?.isMultiple).toBe(true)
    expect(fields.UF_CRM_1711610801?.items).toEqual([{ ID: '44', VALUE: 'Small' }, { ID: '45', VALUE: 'Large' }])
    expect(fields.UF_CRM_1711610801?.formLabel).toBe('Budget')
  })

  it('reads crm.status.list for one entity', async () => {
    const p = await portal((_req, res) => sendJson(res, 200, {
      result: [
        {
          ID: '1',
          ENTITY_ID: 'SOURCE',
          STATUS_ID: 'CALL',
          NAME: 'Call',
          NAME_INIT: 'Call',
          SORT: '10',
          SYSTEM: 'Y',
          CATEGORY_ID: null,
          COLOR: null,
          SEMANTICS: null,
          EXTRA: { SEMANTICS: 'process' }
        },
        { ID: '2', ENTITY_ID: 'SOURCE', STATUS_ID: 'WEB', NAME: 'Website', NAME_INIT: 'Website', SORT: '30', SYSTEM: 'Y' }
      ],
      total: 2,
      time: TIME
    }))
    const items = await client({ webhook: p.webhook }).statusList('SOURCE')
    expect(p.requests[0]!.json.filter).toEqual({ ENTITY_ID: 'SOURCE' })
    expect(items.map((i) => [i.STATUS_ID, i.NAME, i.SORT])).toEqual([['CALL', 'Call', 10], ['WEB', 'Website', 30]])
  })
})

describe('redirect safety', () => {
  it('does not follow an https portal onto plain http', async () => {
    const agent = new MockAgent()
    agent.disableNetConnect()
    track(async () => { await agent.close() })
    agent.get('https://old.bitrix24.example').intercept({ path: '/rest/1/abcsecret/crm.lead.add', method: 'POST' })
      .reply(302, '', { headers: { location: 'http://new.bitrix24.example/rest/1/abcsecret/crm.lead.add' } })
    const c = client({ webhook: 'https://old.bitrix24.example/rest/1/abcsecret/', dispatcher: agent })
    const err = await c.addLead({ TITLE: 'x' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'moved', status: 302, location: 'http://new.bitrix24.example/rest/1/***/crm.lead.add' })
    expect((err as Error).message).toMatch(/non-https/)
    expect((err as Error).message).not.toContain('abcsecret')
  })
})
