/** The emulator answers in the shapes recorded from live portals (test/fixtures/bitrix24-recorded). */
import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { call, postJson } from './helpers.ts'

const recorded = (name: string): any => JSON.parse(readFileSync(new URL(`../fixtures/bitrix24-recorded/${name}`, import.meta.url), 'utf8'))
const sortedKeys = (value: object): string[] => Object.keys(value).sort()

describe('emulator: recorded shapes', () => {
  let emu: Emulator | undefined
  afterEach(async () => { await emu?.close(); emu = undefined })

  it('a method blocked until a given time: inside batch exactly the live shape, the reset time outside', async () => {
    emu = await startEmulator()
    const until = Date.now() + 600_000
    emu.blockMethod('crm.lead.add', until)
    const res = await call(emu.webhookUrl, 'batch', { halt: 0, cmd: { k1: 'crm.lead.add?fields[TITLE]=A' } })
    const live = recorded('01-phpsdk-batch-operation-time-limit.body.json')
    expect(res.status).toBe(200)
    expect(sortedKeys(res.body)).toEqual(sortedKeys(live))
    expect(res.body.result).toEqual({ ...live.result, result_error: { k1: Object.values(live.result.result_error)[0] } })
    expect(sortedKeys(res.body.time)).toEqual(sortedKeys(live.time))
    expect(res.body.time.operating_reset_at).toBe(Math.ceil(until / 1000))
    expect(res.body.time.operating).toBe(0)
    expect(emu.leads()).toHaveLength(0)

    // Other methods run; the block lifts (here at once with 0).
    const mixed = await call(emu.webhookUrl, 'batch', { cmd: { a: 'crm.lead.add?fields[TITLE]=A', f: 'crm.lead.fields' } })
    expect(Object.keys(mixed.body.result.result)).toEqual(['f'])
    expect(Object.keys(mixed.body.result.result_time)).toEqual(['f'])
    emu.blockMethod('crm.lead.add', 0)
    expect((await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'B' } })).status).toBe(200)
  })

  it('a blocked single call answers 429 OPERATION_TIME_LIMIT, with or without timing', async () => {
    emu = await startEmulator()
    const until = Date.now() + 120_000
    expect((await postJson(`${emu.url}/_emulator/block`, { method: 'crm.lead.add', until })).status).toBe(200)
    const res = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } })
    expect(res.status).toBe(429)
    expect(res.body).toMatchObject({ error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' })
    expect(res.body.time.operating_reset_at).toBe(Math.ceil(until / 1000))
    await emu.close()

    emu = await startEmulator({ quirks: { operationLimitTime: false } })
    emu.blockMethod('crm.lead.add', until)
    const bare = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } })
    expect(bare.status).toBe(429)
    expect(bare.body).toEqual({ error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' })
  })

  it('operating and operating_reset_at are optional, as on portals that leave them out', async () => {
    emu = await startEmulator({ quirks: { operatingInTime: false } })
    const res = await call(emu.webhookUrl, 'batch', { cmd: { a: 'crm.lead.add?fields[TITLE]=A' } })
    const live = recorded('fb24-crm_item_add.json')
    expect(sortedKeys(res.body.time)).toEqual(sortedKeys(live.time))
    expect(sortedKeys(res.body.result.result_time.a)).toEqual(sortedKeys(live.result.result_time.order0000000000))
    const direct = await call(emu.webhookUrl, 'crm.lead.fields', {})
    expect(direct.body.time.operating).toBeUndefined()
  })

  it('a portal that answers 404 to everything: the recorded body without a description', async () => {
    emu = await startEmulator({ faults: { notFound: 1 } })
    for (const method of ['crm.lead.fields', 'batch', 'crm.lead.add']) {
      const res = await call(emu.webhookUrl, method, {})
      expect(res.status).toBe(404)
      expect(res.body).toEqual(recorded('14-method-not-found-nodesc.404.body.json'))
    }
    emu.setFaults({})
    expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(200)
  })
})
