/** The `alerts:` section: the commented example in relay.config.example.yaml is valid once uncommented, and the defaults. */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { alertsSchema } from '../../src/alerts/config-schema.ts'
import { buildConfig } from '../../src/config/load.ts'

describe('alerts config', () => {
  it('the example validates once uncommented', () => {
    const text = readFileSync(new URL('../../relay.config.example.yaml', import.meta.url), 'utf8')
    const start = text.indexOf('# alerts:')
    expect(start).toBeGreaterThan(0)
    const block = text.slice(start).split('\n').filter(l => l === '# alerts:' || l.startsWith('#   '))
      .map(l => l === '# alerts:' ? 'alerts:' : l.slice(1)).join('\n').replace(/\$\{\w+\}/g, 'https://alerts.example/x')
    const alerts = alertsSchema.parse((parse(block) as { alerts: unknown }).alerts)
    expect(alerts).toMatchObject({ telegram: { chatId: -1001234567890 }, email: { port: 587, to: ['ops@example.com'] }, maxPerHour: 20 })
  })

  it('defaults, and a typo is refused by key', () => {
    const config = buildConfig({ alerts: { webhook: 'https://hooks.example/x' } }, { B24_WEBHOOK_URL: 'https://a.bitrix24.ru/rest/1/abc/' })
    expect(config.alerts).toMatchObject({
      checkIntervalMs: 30_000, repeatAfterMs: 900_000, queueAgeMs: 900_000, minFreeDiskBytes: 536_870_912
    })
    expect(() => buildConfig({ alerts: { webhok: 'https://hooks.example/x' } }, { B24_WEBHOOK_URL: 'https://a.bitrix24.ru/rest/1/abc/' }))
      .toThrow(/alerts: Unrecognized key: "webhok"/)
  })
})
