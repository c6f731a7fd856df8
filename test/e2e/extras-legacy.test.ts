/**
 * The legacy transport through the real worker: a portal configured with `transport: legacy`
 * posts each lead to the emulated /crm/configs/import/lead.php with LOGIN and PASSWORD.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { ConfigError } from '../../src/errors.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startRig, type Rig } from './extras-rig.ts'

const PASSWORD = 'Pa55-legacy-secret'

const yaml = (url: string): string => `
portals:
  old:
    transport: legacy
    legacyUrl: ${url}
    login: \${B24_LOGIN}
    password: \${B24_PASSWORD}
forms:
  callback:
    name: Обратный звонок
    portal: old
    fields: { name: NAME, phone: PHONE_MOBILE, phone2: PHONE_MOBILE, email: EMAIL_HOME, city: UF_CRM_CITY, consent: UF_CRM_CONSENT }
    defaults: { SOURCE_ID: WEB, ASSIGNED_BY_ID: [7, 9, 12] }
`

describe('legacy transport (/crm/configs/import/lead.php)', () => {
  let rig: Rig
  let config: RelayConfig
  beforeAll(async () => {
    rig = await startRig({
      // A mandatory user field lets a test provoke the importer's '400'.
      emulator: { legacy: { login: 'robot@shop.ru', password: PASSWORD }, userFields: [{ name: 'UF_CRM_CONSENT', mandatory: true }], quirks: { requiredUserFieldCheck: true } },
      config: (emu) => {
        config = loadConfig({ env: { RELAY_CONFIG: 'relay.yaml', B24_LOGIN: 'robot@shop.ru', B24_PASSWORD: PASSWORD }, readFile: () => yaml(emu.url) })
        return config
      }
    })
  })
  afterAll(async () => { await rig.close() })
  beforeEach(() => { rig.emulator.reset(); rig.emulator.setFaults({}) })

  it('delivers with the flat field names, several phones joined with ";", and rotates ASSIGNED_BY_ID', async () => {
    const ids: string[] = []
    for (const name of ['Иван', 'Пётр', 'Анна', 'Олег']) {
      ids.push(await rig.post('callback', { name, phone: '8 900 123-45-67', phone2: '+7 901 000 00 01', email: 'ivan@example.ru', city: 'Тверь', consent: 'Y' }))
      await rig.settled(ids.at(-1) as string)
    }
    const leads = rig.emulator.leads()
    expect(leads).toHaveLength(4)
    const first = leads[0]!.fields
    expect(first.NAME).toBe('Иван')
    expect(first.PHONE?.map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['+79001234567', 'MOBILE'], ['+79010000001', 'MOBILE']])
    expect(first.EMAIL?.map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['ivan@example.ru', 'HOME']])
    expect(first.SOURCE_ID).toBe('WEB')
    expect(first.UF_CRM_CITY).toBe('Тверь')
    // The importer reads no ORIGIN_ID: that is why exactly-once cannot hold on this transport.
    expect(first.ORIGIN_ID).toBeUndefined()
    expect(leads.map(l => l.fields.ASSIGNED_BY_ID)).toEqual([7, 9, 12, 7])
    const rec = await rig.outbox.get(ids[0] as string)
    expect(rec).toMatchObject({ status: 'delivered', leadId: leads[0]!.ID })
    expect(rig.emulator.stats().byMethod['legacy:lead.add']).toBe(4)
  })

  it("dead-letters a lead the importer refuses ('400') with its message", async () => {
    const ok = await rig.post('callback', { name: 'Good', phone: '+79005550003', consent: 'Y' })
    const refused = await rig.post('callback', { name: 'No consent', phone: '+79005550004' })
    const rec = await rig.settled(refused)
    expect(rec.status).toBe('dead')
    expect(rec.lastError).toEqual({ code: 'RELAY_ERR_B24_VALIDATION', message: 'The field "UF_CRM_CONSENT" is required.' })
    expect((await rig.settled(ok)).status).toBe('delivered')
  })

  it('resends after a lost reply: at-least-once on this transport (the lead may exist twice), and says so in the log', async () => {
    rig.emulator.setFaults({ next: ['lostReply'] })
    const id = await rig.post('callback', { name: 'Lost', phone: '+79005550001', consent: 'Y' })
    const rec = await rig.settled(id, 15_000)
    expect(rec.status).toBe('delivered')
    expect(rig.emulator.leads().filter(l => l.fields.NAME === 'Lost')).toHaveLength(2)
    expect(rig.logs.some(line => line.includes('legacy importer: resending') && line.includes(id))).toBe(true)
  })

  it('never writes the password to the log, and pauses the portal when the login is refused', async () => {
    expect(rig.logs.join('\n')).not.toContain(PASSWORD)
    rig.setConfig({ ...config, portals: { ...config.portals, old: { ...config.portals.old!, password: 'wrong-password' } } })
    const id = await rig.post('callback', { name: 'Paused', phone: '+79005550002', consent: 'Y' })
    await waitFor(() => rig.worker.status().find(s => s.portalId === 'old' && s.state === 'paused_auth'), { what: 'the portal paused' })
    expect((await rig.outbox.get(id))?.status).toBe('pending')
    expect(rig.logs.join('\n')).not.toContain('wrong-password')
    rig.setConfig(config)
    expect((await rig.settled(id)).status).toBe('delivered')
  })
})

describe('legacy transport: configuration', () => {
  const load = (extra: string): RelayConfig => loadConfig({
    env: { RELAY_CONFIG: 'x.yaml', B24_LOGIN: 'a', B24_PASSWORD: 'b' },
    readFile: () => `portals:\n  old:\n    transport: legacy\n    legacyUrl: https://old.example.ru\n    login: \${B24_LOGIN}\n    password: \${B24_PASSWORD}\nforms:\n  f:\n    portal: old\n${extra}`
  })

  it('needs legacyUrl, login and password; a REST portal needs its webhook', () => {
    expect(() => loadConfig({ env: { RELAY_CONFIG: 'x.yaml' }, readFile: () => 'portals:\n  old:\n    transport: legacy\n' }))
      .toThrow(/portals\.old\.legacyUrl: is required with transport: legacy[\s\S]*portals\.old\.login[\s\S]*portals\.old\.password/)
    expect(() => loadConfig({ env: { RELAY_CONFIG: 'x.yaml' }, readFile: () => 'portals:\n  p:\n    timeoutMs: 5\n' })).toThrow(/portals\.p\.webhook: is required/)
    expect(load('').portals.old).toMatchObject({ transport: 'legacy', webhook: '', legacyUrl: 'https://old.example.ru', login: 'a' })
  })

  it('refuses forms that need REST calls on a legacy portal', () => {
    let err: unknown
    try { load('    timeline: true\n    duplicates: merge\n') } catch (e) { err = e }
    expect(err).toBeInstanceOf(ConfigError)
    expect((err as Error).message).toContain('forms.f: uses duplicates: merge, timeline, which portal "old" (transport: legacy) cannot do')
  })
})
