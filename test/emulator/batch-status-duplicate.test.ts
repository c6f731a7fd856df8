import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call } from './helpers.ts'

describe('emulator: batch', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ burst: 3, drainPerSecond: 1 }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => emu.reset())

  const batch = async (body: unknown) => await call(emu.webhookUrl, 'batch', body)

  it('runs mixed commands: successes in result, failures in result_error, HTTP 200', async () => {
    const res = await batch({
      halt: 0,
      cmd: {
        ok: 'crm.lead.add?fields[TITLE]=A&fields[PHONE][0][VALUE]=1',
        bad: 'crm.lead.add?fields[EMAIL][0][VALUE]=nope',
        missing: 'crm.lead.get?id=999',
        unknown: 'crm.nothing.here',
        list: 'crm.lead.list?select[]=ID'
      }
    })
    expect(res.status).toBe(200)
    const r = res.body.result
    expect(r.result).toEqual({ ok: 1, list: [{ ID: '1' }] })
    expect(r.result_error.bad.error).toBe('')
    expect(r.result_error.missing).toEqual({ error: '', error_description: 'Not found' })
    expect(r.result_error.unknown).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' })
    expect(r.result_total).toEqual({ list: 1 })
    expect(r.result_next).toEqual([])
    expect(Object.keys(r.result_time)).toEqual(['ok', 'list'])
    expect(r.result_time.ok).toMatchObject({ start: expect.any(Number), date_start: expect.any(String) })
    expect(emu.leads().map(l => l.viaBatch)).toEqual([true])
  })

  it('serialises empty maps as [] and sequential keys as lists (PHP json_encode)', async () => {
    const res = await batch({ cmd: ['crm.lead.add?fields[TITLE]=x', 'crm.lead.add?fields[TITLE]=y'] })
    expect(res.body.result).toMatchObject({ result: [1, 2], result_error: [], result_total: [], result_next: [] })
    expect(Array.isArray(res.body.result.result_time)).toBe(true)
  })

  it('runs at most 50 commands; the rest get ERROR_BATCH_LENGTH_EXCEEDED', async () => {
    const cmd = Object.fromEntries(Array.from({ length: 53 }, (_, i) => [`c${i}`, `crm.lead.add?fields[TITLE]=n${i}`]))
    const res = await batch({ cmd })
    expect(res.status).toBe(200)
    expect(Object.keys(res.body.result.result)).toHaveLength(50)
    expect(Object.keys(res.body.result.result_error)).toEqual(['c50', 'c51', 'c52'])
    expect(res.body.result.result_error.c50)
      .toEqual({ error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' })
    expect(emu.leads()).toHaveLength(50)
  })

  it('stops after the first failure with halt', async () => {
    const res = await batch({
      halt: 1,
      cmd: { a: 'crm.lead.add?fields[TITLE]=a', b: 'crm.lead.get?id=0', c: 'crm.lead.add?fields[TITLE]=c' }
    })
    expect(res.body.result.result).toEqual({ a: 1 })
    expect(Object.keys(res.body.result.result_error)).toEqual(['b'])
    expect(emu.leads()).toHaveLength(1)
  })

  it('refuses nested batch with ERROR_BATCH_METHOD_NOT_ALLOWED', async () => {
    const res = await batch({ cmd: { inner: 'batch?cmd[x]=crm.lead.list' } })
    expect(res.body.result.result_error.inner)
      .toEqual({ error: 'ERROR_BATCH_METHOD_NOT_ALLOWED', error_description: 'Method is not allowed for batch usage' })
  })

  it('substitutes $result[key] references from earlier commands', async () => {
    const res = await batch({ cmd: { add: 'crm.lead.add?fields[TITLE]=ref', get: 'crm.lead.get?id=$result[add]' } })
    expect(res.body.result.result.get.TITLE).toBe('ref')
  })

  it('accepts a urlencoded batch (command strings encoded twice) and CMD/HALT in upper case', async () => {
    const inner = encodeURIComponent('crm.lead.add?fields[TITLE]=form&fields[ORIGIN_ID]=o-1')
    const res = await call(emu.webhookUrl, 'batch', `HALT=0&CMD[k]=${inner}`)
    expect(res.body.result.result).toEqual({ k: 1 })
    expect(emu.lead(1)?.fields.ORIGIN_ID).toBe('o-1')
  })

  it('counts a whole batch as one request for the leaky bucket', async () => {
    const cmd = Array.from({ length: 10 }, (_, i) => `crm.lead.add?fields[TITLE]=b${i}`)
    for (let i = 0; i < 3; i++) expect((await batch({ cmd })).status).toBe(200)
    expect(emu.leads()).toHaveLength(30)
    const refused = await batch({ cmd })
    expect(refused.status).toBe(503)
    expect(refused.body.error).toBe('QUERY_LIMIT_EXCEEDED')
    expect(emu.leads()).toHaveLength(30)
  })
})

describe('emulator: crm.duplicate.findbycomm and crm.status.*', () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator({
      rateLimit: false,
      statuses: { SOURCE: [{ STATUS_ID: 'WEB', NAME: 'Website' }, { STATUS_ID: 'UC_X', NAME: 'Fair' }] }
    })
  })
  afterAll(async () => { await emu.close() })
  beforeEach(() => emu.reset())

  const find = async (body: unknown) => await call(emu.webhookUrl, 'crm.duplicate.findbycomm', body)

  it('finds leads by phone (extension ignored) and e-mail (case-insensitive), ids as integers', async () => {
    await call(emu.webhookUrl, 'crm.lead.add', { fields: { PHONE: [{ VALUE: '+1 (555) 010-0' }], EMAIL: [{ VALUE: 'Ann@Example.com' }] } })
    await call(emu.webhookUrl, 'crm.lead.add', { fields: { PHONE: [{ VALUE: '+15550100' }] } })
    expect((await find({ type: 'PHONE', values: ['15550100 ext. 12'] })).body.result).toEqual({ LEAD: [1, 2] })
    expect((await find({ type: 'EMAIL', values: ['ann@example.com'], entity_type: 'LEAD' })).body.result).toEqual({ LEAD: [1] })
    expect((await find({ type: 'EMAIL', values: ['ann@example.com'], entity_type: 'CONTACT' })).body.result).toEqual([])
  })

  it('answers [] when nothing matches', async () => {
    const res = await find({ type: 'EMAIL', values: ['nobody@example.com'] })
    expect(res.status).toBe(200)
    expect(res.body.result).toEqual([])
  })

  it('reports errors with the message in `error`', async () => {
    expect((await find({ values: ['x'] })).body)
      .toEqual({ error: 'Communication type is not defined', error_description: "Parameter 'type' is required." })
    const noValues = await find({ type: 'PHONE' })
    expect(noValues.status).toBe(400)
    expect(noValues.body.error).toBe('Communication values is not defined')
    expect((await find({ type: 'PHONE', values: 'not-a-list' })).body.error).toBe('Communication values is not defined')
    const badType = await find({ type: 'FAX', values: ['1'] })
    expect(badType.status).toBe(400)
    expect(badType.body.error).toBe("Communication type 'FAX' is not supported in current context")
  })

  it('crm.status.list filters by ENTITY_ID and returns the default lead stages', async () => {
    const res = await call(emu.webhookUrl, 'crm.status.list', 'filter[ENTITY_ID]=STATUS')
    const ids = res.body.result.map((s: { STATUS_ID: string }) => s.STATUS_ID)
    expect(ids).toEqual(['NEW', 'IN_PROCESS', 'PROCESSED', 'CONVERTED', 'JUNK'])
    expect(res.body.result[0]).toMatchObject({ ENTITY_ID: 'STATUS', SORT: '10', SYSTEM: 'Y', EXTRA: { SEMANTICS: 'process' } })
    expect(res.body.result[3].SEMANTICS).toBe('S')
    expect(res.body.total).toBe(5)
  })

  it('crm.status.list uses configured dictionaries', async () => {
    const res = await call(emu.webhookUrl, 'crm.status.list', { filter: { ENTITY_ID: 'SOURCE' } })
    expect(res.body.result.map((s: { STATUS_ID: string }) => s.STATUS_ID)).toEqual(['WEB', 'UC_X'])
  })

  it('crm.status.entity.items lists one dictionary and rejects an unknown one', async () => {
    const ok = await call(emu.webhookUrl, 'crm.status.entity.items', { entityId: 'STATUS' })
    expect(ok.body.result[0]).toEqual({ NAME: 'Unassigned', SORT: 10, STATUS_ID: 'NEW' })
    const bad = await call(emu.webhookUrl, 'crm.status.entity.items', { entityId: 'NOPE' })
    expect(bad.status).toBe(400)
    expect(bad.body.error_description).toBe('The parameter entityId is not defined or invalid.')
  })
})
