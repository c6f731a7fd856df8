import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { optionsFromEnv } from '../../src/emulator/env-options.ts'
import { call, getJson, postJson } from './helpers.ts'

describe('emulator: /_emulator inspection and control routes', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ burst: 1, drainPerSecond: 0.001 }) })
  afterAll(async () => { await emu.close() })

  it('lists leads and stats, and is not rate limited', async () => {
    await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'seen', ORIGIN_ID: 'o1' } })
    for (let i = 0; i < 3; i++) {
      const leads = await getJson(`${emu.url}/_emulator/leads`)
      expect(leads).toHaveLength(1)
      expect(leads[0]).toMatchObject({ ID: 1, fields: { TITLE: 'seen', ORIGIN_ID: 'o1' } })
    }
    expect(await getJson(`${emu.url}/_emulator/leads/1`)).toMatchObject({ ID: 1 })
    expect(await getJson(`${emu.url}/_emulator/stats`))
      .toEqual({ requests: 1, queryLimitExceeded: 0, byMethod: { 'crm.lead.add': 1 }, faultsInjected: {} })
  })

  it('sets faults, revokes and restores the webhook, changes scopes and resets', async () => {
    expect((await postJson(`${emu.url}/_emulator/faults`, { status503: 5 })).status).toBe(400)
    expect((await postJson(`${emu.url}/_emulator/faults`, { next: ['500'] })).status).toBe(200)
    await postJson(`${emu.url}/_emulator/reset`, {})
    expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(500)

    await postJson(`${emu.url}/_emulator/reset`, {})
    await postJson(`${emu.url}/_emulator/webhook/revoke`, {})
    expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(403)
    await postJson(`${emu.url}/_emulator/webhook/restore`, {})
    await postJson(`${emu.url}/_emulator/scopes`, { scopes: ['user'] })
    await postJson(`${emu.url}/_emulator/reset`, {})
    expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).body.error).toBe('insufficient_scope')
    await postJson(`${emu.url}/_emulator/scopes`, { scopes: ['crm'] })

    const status = await getJson(`${emu.url}/_emulator/status`)
    expect(status).toMatchObject({ revoked: false, scopes: ['crm'] })
    await postJson(`${emu.url}/_emulator/reset`, {})
    expect(await getJson(`${emu.url}/_emulator/leads`)).toEqual([])
  })
})

describe('optionsFromEnv', () => {
  it('uses the CLI defaults', () => {
    expect(optionsFromEnv({})).toEqual({
      port: 3001,
      host: '127.0.0.1',
      userId: undefined,
      secret: undefined,
      burst: undefined,
      drainPerSecond: undefined,
      rateLimit: undefined,
      logger: false,
      faults: {}
    })
  })

  it('reads every EMULATOR_* variable', () => {
    const opts = optionsFromEnv({
      EMULATOR_PORT: '0',
      EMULATOR_HOST: '0.0.0.0',
      EMULATOR_SECRET: 'abc',
      EMULATOR_USER_ID: '9',
      EMULATOR_BURST: '250',
      EMULATOR_DRAIN: '5',
      EMULATOR_RATE_LIMIT: 'false',
      EMULATOR_LOG: '1',
      EMULATOR_FAULT_503: '0.1',
      EMULATOR_FAULT_500: '0.05',
      EMULATOR_FAULT_RESET: '0.01',
      EMULATOR_FAULT_LOST_REPLY: '0.02',
      EMULATOR_FAULT_429: '0.03',
      EMULATOR_FAULT_302: '0.5',
      EMULATOR_MOVED_TO: 'http://127.0.0.1:4000',
      EMULATOR_DELAY_MS: '100-300',
      EMULATOR_SEED: '3'
    })
    expect(opts)
      .toMatchObject({ port: 0, host: '0.0.0.0', secret: 'abc', userId: 9, burst: 250, drainPerSecond: 5, rateLimit: false, logger: true })
    expect(opts.faults).toEqual({
      status503: 0.1,
      status500: 0.05,
      reset: 0.01,
      lostReply: 0.02,
      operationLimit: 0.03,
      moved: 0.5,
      movedTo: 'http://127.0.0.1:4000',
      delayMs: { min: 100, max: 300 },
      seed: 3
    })
  })

  it('names the bad variable', () => {
    expect(() => optionsFromEnv({ EMULATOR_FAULT_503: '3' })).toThrow(/EMULATOR_FAULT_503/)
    expect(() => optionsFromEnv({ EMULATOR_PORT: 'abc' })).toThrow(/EMULATOR_PORT/)
    expect(() => optionsFromEnv({ EMULATOR_DELAY_MS: 'slow' })).toThrow(/EMULATOR_DELAY_MS/)
    expect(() => optionsFromEnv({ EMULATOR_FAULT_302: '1' })).toThrow(/movedTo/)
  })
})
