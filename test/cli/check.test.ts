/**
 * `check` against the Bitrix24 emulator: it must find what the portal itself would swallow without
 * a word — a misnamed UF field, a webhook without the crm scope, a constant missing from the
 * portal's lists, a custom field that cannot hold text — and pass a config that is right.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { cli, tempDir, type TempDir } from './helpers.ts'

describe('b24-form-relay check', () => {
  let emulator: Emulator
  let dir: TempDir

  beforeAll(async () => {
    emulator = await startEmulator({
      rateLimit: false,
      userFields: [
        { name: 'UF_CRM_CITY', type: 'string', label: 'City' },
        { name: 'UF_CRM_PRODUCT_URL', type: 'url' },
        { name: 'UF_CRM_CONTRACT', type: 'file' },
        { name: 'UF_CRM_BUDGET', type: 'enumeration', list: ['small', 'large'] }
      ],
      statuses: { SOURCE: [{ STATUS_ID: 'WEB', NAME: 'Website' }, { STATUS_ID: 'CALL', NAME: 'Call' }] }
    })
    dir = tempDir()
  })
  afterEach(() => { emulator.setScopes(['crm']) })
  afterAll(async () => {
    await emulator.close()
    dir.remove()
  })

  const config = (
    form: Record<string, unknown>,
    portal: Record<string, unknown> = {}
  ): string => dir.config(`c${Math.random().toString(36).slice(2)}.yaml`, {
    portals: { main: { webhook: emulator.webhookUrl, ...portal } },
    forms: { contact: { portal: 'main', ...form } },
    outbox: { url: `sqlite:${dir.path}/relay.db` }
  })

  it('passes a config whose every field and constant exists on the portal', async () => {
    const file = config({
      fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', city: 'UF_CRM_CITY' },
      defaults: { SOURCE_ID: 'WEB', UF_CRM_BUDGET: 'large' },
      productUrl: { target: 'UF_CRM_PRODUCT_URL' }
    }, { dictionaries: { SOURCE_ID: ['WEB', 'CALL'] } })
    const run = await cli(['check', '--config', file])
    expect(run.out).toContain('[ok]    portals.main.webhook: the webhook works')
    expect(run.out).toContain('[ok]    portals.main.webhook: the webhook has the crm scope')
    expect(run.out).toContain("[ok]    forms.contact.defaults.SOURCE_ID: 'WEB' is in the portal's SOURCE list")
    expect(run.out).toContain('[ok]    portals.main: 7 of 7 mapped fields exist with a usable type')
    expect(run.out).toContain('All checks passed.')
    expect(run.code).toBe(0)
    expect(run.err).toContain('checking portal main (1/1): crm.lead.fields')
  })

  it('names the CRM mode; on a simple-mode portal says so and what to configure', async () => {
    const classic = await cli(['check', '--config', config({ fields: { name: 'NAME' } })])
    expect(classic.out).toContain('[ok]    portals.main.crmMode: the portal runs the CRM in classic mode (leads)')
    emulator.setCrmMode(2)
    try {
      const simple = await cli(['check', '--config', config({ fields: { name: 'NAME' } })])
      expect(simple.out).toContain('[warn]  portals.main.crmMode: the portal runs the CRM in simple mode: there are no leads, ' +
        'each new lead becomes a deal at once; set crmMode: simple on portals.main and entity: deal on forms.contact')
      expect(simple.out).not.toContain('All checks passed.')
      const set = await cli(['check', '--config', config({ fields: { name: 'NAME' }, entity: 'deal' }, { crmMode: 'simple' })])
      expect(set.out).toContain('[ok]    portals.main.crmMode: the portal runs the CRM in simple mode (no leads); ' +
        'crmMode: simple and entity: deal are set')
    } finally {
      emulator.setCrmMode(1)
    }
  })

  it('finds a misnamed UF_CRM_ field and suggests the real one', async () => {
    const file = config({ fields: { name: 'NAME', city: 'UF_CRM_CTIY' } })
    const run = await cli(['check', '--config', file])
    expect(run.code).toBe(1)
    expect(run.out).toContain('[error] forms.contact.fields.city: UF_CRM_CTIY does not exist on the portal (did you mean UF_CRM_CITY?); ' +
      'Bitrix24 would drop it silently')
    expect(run.out).toContain('1 error(s)')
  })

  it('finds a webhook without the crm scope and stops there', async () => {
    emulator.setScopes(['user', 'task'])
    const run = await cli(['check', '--config', config({ fields: { name: 'NAME' } })])
    expect(run.code).toBe(1)
    expect(run.out).toContain('[error] portals.main.webhook: the webhook works but lacks the crm scope')
    expect(run.out).not.toContain('the webhook has the crm scope')
  })

  it('finds a webhook the portal refuses (wrong code)', async () => {
    const file = dir.config('wrong.yaml', {
      portals: { main: { webhook: emulator.webhookUrl.replace(/\/[^/]+\/$/, '/not-the-code/') } },
      forms: { contact: { portal: 'main', fields: { name: 'NAME' } } }
    })
    const run = await cli(['check', '--config', file])
    expect(run.code).toBe(1)
    expect(run.out).toMatch(/\[error\] portals\.main\.webhook: the portal refused the webhook \(INVALID_CREDENTIALS\)/)
  })

  it('finds a constant that is not in the portal\'s list, and list and file fields that cannot hold form text', async () => {
    const file = config({
      fields: { contract: 'UF_CRM_CONTRACT', budget: 'UF_CRM_BUDGET' },
      defaults: { SOURCE_ID: 'PARTNER_SITE' }
    }, { dictionaries: { SOURCE_ID: ['WEB', 'PARTNER_SITE'] } })
    const run = await cli(['check', '--config', file, '--json'])
    expect(run.code).toBe(1)
    const report = JSON.parse(run.out) as { ok: boolean, findings: Array<{ level: string, key: string, message: string }> }
    expect(report.ok).toBe(false)
    const at = (key: string): { level: string, message: string } | undefined => report.findings.find(f => f.key === key)
    expect(at('forms.contact.defaults.SOURCE_ID'))
      .toEqual(expect.objectContaining({ level: 'error', message: "'PARTNER_SITE' is not in the portal's SOURCE list (WEB, CALL)" }))
    expect(at('forms.contact.fields.contract'))
      .toEqual(expect.objectContaining({ level: 'error', message: 'UF_CRM_CONTRACT is a file field; it cannot hold text from a form' }))
    expect(at('forms.contact.fields.budget')).toEqual(expect.objectContaining({ level: 'warn' }))
    expect(at('forms.contact.fields.budget')?.message).toMatch(/list field: the portal keeps only item ids \(\d+=small, \d+=large\)/)
  })

  it('warns when the relay accepts dictionary values from visitors that the portal does not have', async () => {
    const run = await cli(['check', '--config', config({ fields: { name: 'NAME', source: 'SOURCE_ID' } })])
    expect(run.out).toMatch(/\[warn\] {2}portals\.main\.dictionaries\.SOURCE_ID: the relay accepts .*EMAIL.* from visitors, but the portal has no such SOURCE/)
    expect(run.code).toBe(0)
  })

  it('reports an invalid config by key before asking any portal', async () => {
    const file = dir.config('bad.yaml', { portals: { main: { webhook: 'not a url' } }, forms: { contact: { portal: 'main' } } })
    const run = await cli(['check', '--config', file])
    expect(run.code).toBe(1)
    expect(run.out).toContain('[error] config: portals.main.webhook: is not a URL')
    expect(emulator.stats().requests).toBeGreaterThan(0) // earlier tests; this one must not add any
    const before = emulator.stats().requests
    await cli(['check', '--config', file])
    expect(emulator.stats().requests).toBe(before)
  })
})
