import { describe, expect, it } from 'vitest'
import { buildBatchCommand, buildBatchPayload } from '../../src/bitrix/batch.ts'
import { BitrixUsageError } from '../../src/bitrix/errors.ts'

describe('buildBatchCommand', () => {
  it('writes PHP bracket notation with indices', () => {
    expect(buildBatchCommand('crm.lead.add', {
      fields: { TITLE: 'A', PHONE: [{ VALUE: '1', VALUE_TYPE: 'WORK' }] },
      params: { REGISTER_SONET_EVENT: 'Y' }
    })).toBe('crm.lead.add?fields[TITLE]=A&fields[PHONE][0][VALUE]=1&fields[PHONE][0][VALUE_TYPE]=WORK&params[REGISTER_SONET_EVENT]=Y')
  })

  it('percent-encodes values (RFC 3986) and the special characters of keys', () => {
    expect(buildBatchCommand('crm.lead.add', { fields: { TITLE: 'Tom & Jerry = 100% (new)+', COMMENTS: 'Привет [b]x[/b]' } }))
      .toBe('crm.lead.add?fields[TITLE]=Tom%20%26%20Jerry%20%3D%20100%25%20%28new%29%2B&' +
        'fields[COMMENTS]=%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20%5Bb%5Dx%5B%2Fb%5D')
    expect(buildBatchCommand('crm.lead.list', { filter: { '=ORIGINATOR_ID': 'relay', '@ORIGIN_ID': ['a', 'b'] }, select: ['ID'] }))
      .toBe('crm.lead.list?filter[%3DORIGINATOR_ID]=relay&filter[%40ORIGIN_ID][0]=a&filter[%40ORIGIN_ID][1]=b&select[0]=ID')
  })

  it('writes numbers, omits undefined and leaves the query off when empty', () => {
    expect(buildBatchCommand('crm.lead.get', { id: 42, x: undefined })).toBe('crm.lead.get?id=42')
    expect(buildBatchCommand('crm.lead.fields', {})).toBe('crm.lead.fields')
  })

  it('rejects method names that could rewrite the command', () => {
    expect(() => buildBatchCommand('crm.lead.add?x=1', {})).toThrow(BitrixUsageError)
    expect(() => buildBatchCommand('../x', {})).toThrow(BitrixUsageError)
  })
})

describe('buildBatchPayload', () => {
  const cmd = (key: string) => ({ key, method: 'crm.lead.add', params: { fields: { TITLE: key } } })

  it('keys commands and sets halt as 0/1', async () => {
    expect(await buildBatchPayload([cmd('a'), cmd('b')], false))
      .toEqual({ halt: 0, cmd: { a: 'crm.lead.add?fields[TITLE]=a', b: 'crm.lead.add?fields[TITLE]=b' } })
    expect((await buildBatchPayload([cmd('a')], true)).halt).toBe(1)
  })

  it('allows 50 commands and refuses 51', async () => {
    const fifty = Array.from({ length: 50 }, (_, i) => cmd(`k${i}`))
    expect(Object.keys((await buildBatchPayload(fifty, false)).cmd)).toHaveLength(50)
    await expect(buildBatchPayload([...fifty, cmd('k50')], false)).rejects.toThrow(BitrixUsageError)
    await expect(buildBatchPayload([...fifty, cmd('k50')], false)).rejects.toMatchObject({ code: 'RELAY_ERR_B24_USAGE' })
  })

  it('refuses duplicate or empty keys', async () => {
    await expect(buildBatchPayload([cmd('a'), cmd('a')], false)).rejects.toThrow(/used twice/)
    await expect(buildBatchPayload([cmd('')], false)).rejects.toThrow(BitrixUsageError)
  })

  it('gives the event loop back between slices of commands', async () => {
    const phoned = (key: string) =>
      ({ key, method: 'crm.lead.add', params: { fields: { TITLE: key, PHONE: [{ VALUE: '+79001234567' }] } } })
    const fifty = Array.from({ length: 50 }, (_, i) => phoned(`k${i}`))
    const state = { done: false }
    const built = buildBatchPayload(fifty, true).finally(() => { state.done = true })
    // Other work gets turns while 50 commands are encoded (10 per turn): a visitor's answer is not held behind them.
    let turns = 0
    while (!state.done && turns < 1000) {
      await new Promise<void>(resolve => setImmediate(resolve))
      turns++
    }
    expect(turns).toBeGreaterThanOrEqual(4)
    expect(await built).toEqual({ halt: 1, cmd: Object.fromEntries(fifty.map(c => [c.key, buildBatchCommand(c.method, c.params)])) })
  })
})
