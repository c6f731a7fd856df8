/** The one environment reader: every variable parsed by one schema, a bad one refused by name with RELAY_ERR_ENV. */
import { describe, expect, it } from 'vitest'
import { readEnvironment } from '../../src/config/environment.ts'
import { EnvironmentError } from '../../src/errors.ts'

function refusal (env: Record<string, string>): EnvironmentError {
  try {
    readEnvironment(env)
  } catch (err) {
    if (err instanceof EnvironmentError) return err
    throw err
  }
  throw new Error('accepted ' + JSON.stringify(env))
}

describe('readEnvironment', () => {
  it('reads every variable, with the defaults where unset or empty', () => {
    expect(readEnvironment({})).toEqual({ logLevel: 'info', runWorker: true, trustProxy: false })
    expect(readEnvironment({ PORT: '', LOG_LEVEL: '', TRUST_PROXY: '', METRICS_PORT: '', OUTBOX_URL: '' }))
      .toEqual({ logLevel: 'info', runWorker: true, trustProxy: false })
    expect(readEnvironment({
      PORT: '8080',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      RELAY_WORKER: 'off',
      TRUST_PROXY: '10.0.0.1, 192.168.0.0/16,loopback',
      METRICS_TOKEN: 'scrape',
      METRICS_PORT: '9100',
      OUTBOX_URL: 'redis://127.0.0.1:6379/0',
      OUTBOX_DURABILITY: 'relaxed',
      RELAY_CONFIG: '/etc/relay/relay.config.yaml',
      B24_WEBHOOK_URL: 'https://a.bitrix24.ru/rest/1/abc',
      EMULATOR_PORT: '3001',
      SHOP_PORT: '0'
    })).toEqual({
      port: 8080,
      host: '127.0.0.1',
      logLevel: 'debug',
      runWorker: false,
      trustProxy: ['10.0.0.1', '192.168.0.0/16', 'loopback'],
      metricsToken: 'scrape',
      metricsPort: 9100,
      outboxUrl: 'redis://127.0.0.1:6379/0',
      outboxDurability: 'relaxed',
      configPath: '/etc/relay/relay.config.yaml',
      webhookUrl: 'https://a.bitrix24.ru/rest/1/abc/',
      emulatorPort: 3001,
      shopPort: 0
    })
  })

  it.each([
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL', /must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ TRUST_PROXY: 'not-an-ip' }, 'TRUST_PROXY', /"not-an-ip" is not an IP address/],
    [{ TRUST_PROXY: '10.0.0.1,10.0.0.0/40' }, 'TRUST_PROXY', /"10.0.0.0\/40"/],
    [{ METRICS_PORT: 'abc' }, 'METRICS_PORT', /must be a port number/],
    [{ PORT: '70000' }, 'PORT', /must be a port number/],
    [{ PORT: '3000.5' }, 'PORT', /must be a port number/],
    [{ EMULATOR_PORT: '-1' }, 'EMULATOR_PORT', /must be a port number/],
    [{ RELAY_WORKER: 'yes' }, 'RELAY_WORKER', /must be on or off/],
    [{ OUTBOX_URL: 'postgres://db' }, 'OUTBOX_URL', /sqlite:<path> or redis:/],
    [{ OUTBOX_DURABILITY: 'fast' }, 'OUTBOX_DURABILITY', /full or relaxed/],
    [{ B24_WEBHOOK_URL: 'http://portal.example/rest/1/abc/' }, 'B24_WEBHOOK_URL', /must use https/]
  ])('refuses %j by name', (env, variable, rule) => {
    const err = refusal(env)
    expect(err.code).toBe('RELAY_ERR_ENV')
    expect(err.variables).toEqual([variable])
    expect(err.message).toContain(`${variable}: `)
    expect(err.message).toMatch(rule)
  })

  it('names every bad variable at once', () => {
    expect(refusal({ LOG_LEVEL: 'verbose', METRICS_PORT: 'abc' }).variables.sort()).toEqual(['LOG_LEVEL', 'METRICS_PORT'])
  })
})
