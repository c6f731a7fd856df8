import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLegacyClient, legacyImportUrl, toLegacyFields } from '../../src/bitrix/legacy-client.ts'
import { createLegacyImporterTransport } from '../../src/delivery/transports/legacy-importer.ts'
import { memoryCounters } from '../../src/outbox/counters.ts'
import { BitrixError } from '../../src/bitrix/errors.ts'
import { crmMode, describeCrmMode } from '../../src/bitrix/crm-mode.ts'
import { createBitrixClient } from '../../src/bitrix/client.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'

describe('legacy client: shapes', () => {
  it('builds the importer URL from a portal address and keeps a full one', () => {
    expect(legacyImportUrl('https://old.bitrix24.ru')).toBe('https://old.bitrix24.ru/crm/configs/import/lead.php')
    expect(legacyImportUrl('https://old.bitrix24.ru/sub/?x=1')).toBe('https://old.bitrix24.ru/sub/crm/configs/import/lead.php')
    expect(legacyImportUrl('https://old.bitrix24.ru/crm/configs/import/lead.php')).toBe('https://old.bitrix24.ru/crm/configs/import/lead.php')
  })

  it('flattens multifields into PHONE_MOBILE-style keys joined with ";" and leaves out the origin fields', () => {
    expect(toLegacyFields({
      TITLE: 'T',
      PHONE: [{ VALUE: '+7 1', VALUE_TYPE: 'MOBILE' }, { VALUE: '+7 2', VALUE_TYPE: 'MOBILE' }, { VALUE: '+7 3', VALUE_TYPE: 'WORK' }],
      IM: [{ VALUE: 'sky;pe', VALUE_TYPE: 'SKYPE' }],
      UF_CRM_TAGS: ['a', 'b'],
      OPPORTUNITY: 10.5,
      ORIGINATOR_ID: 'relay',
      ORIGIN_ID: 'x'
    })).toEqual({ TITLE: 'T', PHONE_MOBILE: '+7 1;+7 2', PHONE_WORK: '+7 3', IM_SKYPE: 'sky,pe', UF_CRM_TAGS: 'a,b', OPPORTUNITY: '10.5' })
  })
})

describe('legacy client against the emulated importer', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ legacy: { login: 'u@x.ru', password: 's3cret!' } }) })
  afterAll(async () => { await emu.close() })

  it('adds a lead and returns its id; probes with lead.get_fields without adding anything', async () => {
    const client = createLegacyClient({ url: emu.url, login: 'u@x.ru', password: 's3cret!' })
    expect(await client.addLead({ TITLE: 'L', NAME: 'N' })).toBe(1)
    await client.probe()
    expect(emu.leads()).toHaveLength(1)
    expect(client.describe()).not.toContain('s3cret!')
    await client.close()
  })

  it('a refused login is an auth error that never shows the password', async () => {
    const client = createLegacyClient({ url: emu.url, login: 'u@x.ru', password: 'wrong-pass' })
    const err = await client.addLead({ TITLE: 'x' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BitrixError)
    expect(err).toMatchObject({ kind: 'auth', code: 'RELAY_ERR_B24_AUTH', b24Error: '403' })
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('wrong-pass')
    await client.close()
  })

  it('a connection lost after sending is a retryable network error with an unknown outcome', async () => {
    emu.setFaults({ next: ['lostReply'] })
    const client = createLegacyClient({ url: emu.url, login: 'u@x.ru', password: 's3cret!' })
    const err = await client.addLead({ TITLE: 'lost' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ kind: 'network', outcomeUnknown: true })
    await client.close()
  })

  it('as a lane transport: the probe is lead.get_fields, nothing is created, and nothing waits outside the lane', async () => {
    const legacy = createLegacyClient({ url: emu.url, login: 'u@x.ru', password: 's3cret!' })
    const transport = createLegacyImporterTransport({ importer: legacy, counters: memoryCounters() })
    const before = emu.leads().length
    await expect(transport.probe()).resolves.toBeUndefined()
    expect(emu.leads()).toHaveLength(before)
    expect(transport.resume()).toEqual([])
    expect(transport.drain()).toEqual([])
    expect(transport.describe()).toBe(legacy.describe())
    await transport.close()
  })
})

describe('crmMode: crm.settings.mode.get', () => {
  it('reports classic (1) and simple (2) mode', async () => {
    const emu = await startEmulator({ crmMode: 2 })
    const client = createBitrixClient({ webhook: emu.webhookUrl })
    try {
      expect(await crmMode(client)).toBe(2)
      emu.setCrmMode(1)
      expect(await crmMode(client)).toBe(1)
      expect(describeCrmMode(2)).toMatch(/simple mode/)
      expect(describeCrmMode(1)).toMatch(/classic/)
    } finally {
      await client.close()
      await emu.close()
    }
  })
})
