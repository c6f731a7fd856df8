/** `check` and `fields` as a newcomer meets them: a missing mapped field fails the summary; several portals need --portal. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { cli, tempDir, type TempDir } from './helpers.ts'

describe('check and fields, first hour', () => {
  let emulator: Emulator
  let dir: TempDir

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false, userFields: [{ name: 'UF_CRM_CITY', type: 'string' }] })
    dir = tempDir()
  })
  afterAll(async () => {
    await emulator.close()
    dir.remove()
  })

  it('check: a mapped field missing on the portal makes the summary an error, never "[ok] 5 of 6"', async () => {
    const file = dir.config('missing.yaml', {
      portals: { main: { webhook: emulator.webhookUrl } },
      forms: { contact: { portal: 'main', fields: { name: 'NAME', city: 'UF_CRM_CITY', size: 'UF_CRM_SIZE' } } },
      outbox: { url: `sqlite:${dir.path}/relay.db` }
    })
    const run = await cli(['check', '--config', file])
    expect(run.code).toBe(1)
    expect(run.out).toContain('[error] forms.contact.fields.size: UF_CRM_SIZE does not exist on the portal')
    expect(run.out).toContain('1 error(s)')
    expect(run.out).not.toMatch(/\[ok\] +portals\.main: \d+ of \d+ mapped fields/)
  })

  it('check refuses what the relay would refuse at start: a bad variable by name, a folder as the config', async () => {
    const file = dir.config('ok.yaml', {
      portals: { main: { webhook: emulator.webhookUrl } }, outbox: { url: `sqlite:${dir.path}/relay.db` }
    })
    const bad = await cli(['check', '--config', file], { TRUST_PROXY: 'not-an-ip' })
    expect(bad.code).toBe(1)
    expect(bad.out).toContain('[error] config: TRUST_PROXY: "not-an-ip" is not an IP address')
    const folder = await cli(['check', '--config', dir.path])
    expect(folder.code).toBe(1)
    expect(folder.out).toContain(`Config path ${dir.path} is a folder, not a file`)
  })

  it('fields: with several portals and no --portal it asks which one', async () => {
    const file = dir.config('two.yaml', {
      portals: { main: { webhook: emulator.webhookUrl }, shop: { webhook: emulator.webhookUrl } },
      forms: { contact: { portal: 'main' } },
      outbox: { url: `sqlite:${dir.path}/relay.db` }
    })
    const run = await cli(['fields', '--config', file])
    expect(run.code).toBe(2)
    expect(run.err).toContain('Several portals are configured (main, shop): choose one with --portal <id>')
    const chosen = await cli(['fields', '--config', file, '--portal', 'shop', '--custom'])
    expect(chosen.code).toBe(0)
    expect(chosen.out).toContain('UF_CRM_CITY')
  })
})
