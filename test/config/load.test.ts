// ${VAR} in these strings is the config file's own interpolation syntax, meant literally.
/* eslint-disable no-template-curly-in-string */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { buildConfig, loadConfig } from '../../src/config/load.ts'
import { ConfigError } from '../../src/errors.ts'

const files = (map: Record<string, string>) => (path: string): string | undefined => map[path]

function configError (fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('validates the documented example file', () => {
    const text = readFileSync(new URL('../../relay.config.example.yaml', import.meta.url), 'utf8')
    const config = loadConfig({ env: { B24_WEBHOOK_URL: 'https://example.bitrix24.ru/rest/1/abc123/' }, readFile: files({ './relay.config.yaml': text }) })
    expect(config.portals.main?.webhook).toBe('https://example.bitrix24.ru/rest/1/abc123/')
    expect(config.forms.contact?.fields['your-phone']).toBe('PHONE_MOBILE')
    expect(config.outbox.durability).toBe('full')
  })

  it('zero config: B24_WEBHOOK_URL alone gives a default portal and a default form', () => {
    const config = loadConfig({ env: { B24_WEBHOOK_URL: 'https://example.bitrix24.ru/rest/1/abc123' }, readFile: files({}) })
    expect(config.portals.default?.webhook).toBe('https://example.bitrix24.ru/rest/1/abc123/')
    expect(config.forms.default?.fields.phone).toBe('PHONE_WORK')
    expect(config.forms.default?.defaults.SOURCE_ID).toBe('WEB')
    expect(config.outbox.url).toBe('sqlite:./data/relay.db')
  })

  it('a file that wires ${B24_WEBHOOK_URL} into its own portal gets no secret-less default form or portal', () => {
    const url = 'https://example.bitrix24.ru/rest/1/abc123/'
    const wired = 'portals:\n  main:\n    webhook: ${B24_WEBHOOK_URL}\nforms:\n  cf7:\n    portal: main\n    secret: ${S}\n'
    const config = loadConfig({ env: { B24_WEBHOOK_URL: url, S: 'x'.repeat(16) }, readFile: files({ './relay.config.yaml': wired }) })
    expect(Object.keys(config.forms)).toEqual(['cf7'])
    expect(Object.keys(config.portals)).toEqual(['main'])
    // A file that leaves the variable to the zero-config path still gets both.
    const other = 'forms:\n  contact:\n    fields: { name: NAME }\n'
    const zero = loadConfig({ env: { B24_WEBHOOK_URL: url }, readFile: files({ './relay.config.yaml': other }) })
    expect(Object.keys(zero.forms).sort()).toEqual(['contact', 'default'])
  })

  it('with nothing configured, says what to set', () => {
    const err = configError(() => loadConfig({ env: {}, readFile: files({}) }))
    expect(err.message).toMatch(/B24_WEBHOOK_URL/)
  })

  it('reads JSON too, and RELAY_CONFIG names the file', () => {
    const json = JSON.stringify({ portals: { p: { webhook: 'https://a.bitrix24.ru/rest/3/x/' } }, forms: { f: { portal: 'p' } } })
    const config = loadConfig({ env: { RELAY_CONFIG: 'conf.json' }, readFile: files({ 'conf.json': json }) })
    expect(Object.keys(config.forms)).toEqual(['f'])
  })

  it('a missing RELAY_CONFIG file is an error', () => {
    expect(configError(() => loadConfig({ env: { RELAY_CONFIG: 'nope.yaml' }, readFile: files({}) })).message).toMatch(/nope\.yaml/)
  })

  it('resolves ${VAR} from the environment and names the key when a variable is missing', () => {
    const yaml = 'portals:\n  p:\n    webhook: ${HOOK}\n'
    expect(loadConfig({ env: { HOOK: 'https://a.bitrix24.ru/rest/1/s/' }, readFile: files({ './relay.config.yaml': yaml }) }).portals.p?.webhook).toBe('https://a.bitrix24.ru/rest/1/s/')
    expect(configError(() => loadConfig({ env: {}, readFile: files({ './relay.config.yaml': yaml }) })).message).toMatch(/portals\.p\.webhook: environment variable HOOK is not set/)
  })

  it('OUTBOX_URL and OUTBOX_DURABILITY override the file', () => {
    const config = loadConfig({ env: { B24_WEBHOOK_URL: 'https://a.bitrix24.ru/rest/1/s/', OUTBOX_URL: 'sqlite::memory:', OUTBOX_DURABILITY: 'relaxed' }, readFile: files({}) })
    expect(config.outbox).toEqual({ url: 'sqlite::memory:', durability: 'relaxed' })
  })

  it('names the key and the problem for invalid values', () => {
    const err = configError(() => buildConfig({ portals: { p: { webhook: 'http://portal.example/rest/1/x/' } }, forms: { f: { portal: 'p', language: 'de' } } }))
    expect(err.message).toMatch(/portals\.p\.webhook: must use https/)
    expect(err.message).toMatch(/forms\.f\.language/)
  })

  it('allows plain http only for loopback hosts', () => {
    expect(buildConfig({ portals: { p: { webhook: 'http://127.0.0.1:3001/rest/1/x/' } } }).portals.p?.webhook).toBe('http://127.0.0.1:3001/rest/1/x/')
    expect(buildConfig({ portals: { p: { webhook: 'http://localhost:3001/rest/1/x' } } }).portals.p?.webhook).toBe('http://localhost:3001/rest/1/x/')
  })

  it('refuses a webhook that is not a /rest/<id>/<code>/ URL', () => {
    expect(configError(() => buildConfig({ portals: { p: { webhook: 'https://a.bitrix24.ru/crm/' } } })).message).toMatch(/rest\/<user id>/)
  })

  it('a form on an unknown portal, an unknown target or an unknown constant stops the start', () => {
    const err = configError(() => buildConfig({
      portals: { p: { webhook: 'https://a.bitrix24.ru/rest/1/x/' } },
      forms: {
        a: { portal: 'q' },
        b: { portal: 'p', fields: { x: 'NOT_A_FIELD' }, defaults: { SOURCE_ID: 'WBE' } }
      }
    }))
    expect(err.message).toMatch(/forms\.a\.portal: portal "q" is not configured/)
    expect(err.message).toMatch(/NOT_A_FIELD/)
    expect(err.message).toMatch(/WBE/)
  })

  it('unknown keys are refused, so typos do not pass silently', () => {
    expect(configError(() => buildConfig({ portals: { p: { webhok: 'x' } } })).message).toMatch(/portals\.p/)
  })
})
