/** fields, send-test, replay and stats against the emulator and a real SQLite file; usage errors; the real entry point. */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox } from '../../src/outbox/sqlite.ts'
import { cli, tempDir, type TempDir } from './helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('b24-form-relay commands', () => {
  let emulator: Emulator
  let dir: TempDir
  let file: string
  let db: string

  beforeAll(async () => {
    emulator = await startEmulator({
      rateLimit: false,
      userFields: [{ name: 'UF_CRM_CITY', type: 'string', label: 'City' }, { name: 'UF_CRM_SIZE', type: 'enumeration', list: ['S', 'M'] }]
    })
    dir = tempDir()
    db = `${dir.path}/relay.db`
    file = dir.config('relay.yaml', {
      portals: { main: { webhook: emulator.webhookUrl } },
      forms: {
        contact: {
          portal: 'main',
          fields: { name: 'NAME', phone: 'PHONE_MOBILE', mail: 'EMAIL_WORK', city: 'UF_CRM_CITY', budget: 'OPPORTUNITY' },
          defaults: { SOURCE_ID: 'WEB' },
          required: ['phone']
        }
      },
      outbox: { url: `sqlite:${db}` }
    })
  })
  afterAll(async () => {
    await emulator.close()
    dir.remove()
  })

  /** Three dead letters (two on portal main, one on another) and one pending submission. */
  async function seedDeadLetters (): Promise<string[]> {
    const outbox = await openSqliteOutbox({ path: db, durability: 'relaxed' })
    const ids: string[] = []
    for (const portalId of ['main', 'main', 'other', 'main']) {
      ids.push((await outbox.enqueue({ formId: 'contact', portalId, payload: { fields: { NAME: 'x' } } })).id)
    }
    for (const portalId of ['main', 'other']) {
      for (const c of await outbox.claim({ limit: portalId === 'main' ? 2 : 1, leaseMs: 60_000, portalId })) {
        await outbox.deadLetter(c.id, c.leaseToken, { code: 'RELAY_ERR_B24_VALIDATION', message: 'bad' })
      }
    }
    await outbox.close()
    return ids
  }

  it('fields lists standard and custom lead fields with their types', async () => {
    const run = await cli(['fields', '--config', file])
    expect(run.code).toBe(0)
    const lines = run.out.split('\n')
    expect(lines[0]).toMatch(/^FIELD\s+TYPE\s+FLAGS\s+TITLE$/)
    expect(lines.find(l => l.startsWith('PHONE '))).toMatch(/^PHONE\s+crm_multifield\s+multiple\s+Phone$/)
    expect(lines.find(l => l.startsWith('ID '))).toMatch(/read-only/)
    expect(lines.find(l => l.startsWith('UF_CRM_CITY '))).toMatch(/^UF_CRM_CITY\s+string\s+-\s+City$/)
    expect(lines.find(l => l.startsWith('UF_CRM_SIZE '))).toMatch(/enumeration.*\[\d+=S, \d+=M\]/)
    const custom = await cli(['fields', '--config', file, '--custom', '--json'])
    expect(Object.keys(JSON.parse(custom.out) as object)).toEqual(['UF_CRM_CITY', 'UF_CRM_SIZE'])
  })

  it('send-test adds a sample lead for the form, every mapped field filled', async () => {
    const run = await cli(['send-test', 'contact', '--config', file, '--set', 'city=Казань'])
    expect(run.code).toBe(0)
    const leadId = Number(/^lead (\d+) created \(ORIGIN_ID (test-\w+)\)$/.exec(run.out)?.[1])
    const lead = emulator.lead(leadId)
    expect(lead?.fields).toMatchObject({
      TITLE: expect.stringMatching(/^\[test\] /),
      NAME: 'Test name',
      UF_CRM_CITY: 'Казань',
      SOURCE_ID: 'WEB',
      ORIGINATOR_ID: 'b24-form-relay',
      ORIGIN_ID: expect.stringMatching(/^test-/)
    })
    expect(Number(lead?.fields.OPPORTUNITY)).toBe(1500)
    expect(lead?.fields.PHONE?.[0]?.VALUE).toBe('+79991234567')
    expect(lead?.fields.EMAIL?.[0]?.VALUE).toBe('relay-test@example.com')
  })

  it('send-test --dry-run prints the call and sends nothing; a visitor error is reported', async () => {
    const before = emulator.leads().length
    const dry = await cli(['send-test', 'contact', '--config', file, '--dry-run'])
    expect(dry.code).toBe(0)
    expect((JSON.parse(dry.out) as { method: string, fields: Record<string, unknown> }).fields.UF_CRM_CITY).toBe('test city')
    const bad = await cli(['send-test', 'contact', '--config', file, '--set', 'mail=not-an-address'])
    expect(bad.code).toBe(1)
    expect(bad.err).toContain('mail:')
    expect(emulator.leads().length).toBe(before)
  })

  it('stats counts the queue; replay requeues one portal\'s dead letters, then the ids given', async () => {
    const ids = await seedDeadLetters()
    const stats = await cli(['stats', '--config', file, '--json'])
    expect(stats.code).toBe(0)
    type Stats = { pending: number, dead: number, byPortal: Record<string, { dead: number }>, last24h: Record<string, number> }
    const s = JSON.parse(stats.out) as Stats
    expect(s).toMatchObject({ pending: 1, dead: 3, byPortal: { main: { dead: 2 }, other: { dead: 1 } } })
    expect(s.last24h).toMatchObject({ received: 4, dead: 3 })
    const text = await cli(['stats', '--config', file])
    expect(text.out).toMatch(/^pending 1 {2}leased 0 {2}due 1 {2}dead 3 {2}delivered 0 {2}oldest waiting \d+ s$/m)

    const main = await cli(['replay', '--config', file, '--portal', 'main'])
    expect(main.code).toBe(0)
    expect(main.out).toBe('requeued 2')
    expect(main.err).toContain('replay: 2 dead letter(s) requeued')
    const otherId = ids[2] as string
    const one = await cli(['replay', otherId, ids[0] as string, '--config', file])
    expect(one.code).toBe(1) // ids[0] is pending again, not dead
    expect(one.out).toBe(`requeued ${otherId}`)
    expect(one.err).toContain(`${ids[0] as string}: is pending, not a dead letter`)
    const after = JSON.parse((await cli(['stats', '--config', file, '--json'])).out) as { pending: number, dead: number }
    expect(after).toMatchObject({ pending: 4, dead: 0 })
  })

  it('usage errors exit with 2 and say what is wrong', async () => {
    expect(await cli([])).toMatchObject({ code: 2, err: expect.stringContaining('Usage: b24-form-relay') })
    expect(await cli(['frobnicate'])).toMatchObject({ code: 2, err: expect.stringContaining('Unknown command "frobnicate"') })
    expect(await cli(['send-test', '--config', file]))
      .toMatchObject({ code: 2, err: expect.stringContaining('send-test needs a form id') })
    expect(await cli(['send-test', 'nope', '--config', file]))
      .toMatchObject({ code: 2, err: expect.stringContaining('No form named "nope"') })
    expect(await cli(['check', '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--bogus'") })
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+$/) })
  })

  it('runs as a program: node --import tsx src/cli.ts check, exit status and output', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'check', '--config', file], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    const code = await new Promise<number | null>(resolve => child.once('exit', resolve))
    expect(out).toContain('[ok]    portals.main.webhook: the webhook has the crm scope')
    expect(code).toBe(0)
  })
})
