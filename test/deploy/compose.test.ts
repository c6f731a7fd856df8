/**
 * docker-compose.yml as Compose reads it (`docker-compose config` validates and resolves without an
 * engine): every variable of .env reaches the relay, the port is on loopback unless told otherwise,
 * logs rotate, and the Redis file makes the relay wait for a healthy Redis.
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Service {
  environment?: Record<string, string>
  ports?: Array<string | { host_ip?: string, published?: string | number, target?: number }>
  depends_on?: Record<string, { condition?: string }>
  volumes?: Array<string | { source?: string, target?: string }>
  logging?: { driver?: string, options?: Record<string, string> }
}

function composeConfig (dir: string, files: string[]): { services: Record<string, Service> } {
  let out: string
  try {
    out = execFileSync('docker-compose', [...files.flatMap(f => ['-f', f]), 'config'],
      { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('docker-compose is not installed: this test validates docker-compose.yml with it (apt-get install docker-compose)')
    }
    throw new Error(`docker-compose config failed: ${String((err as { stderr?: unknown }).stderr ?? err)}`)
  }
  return parse(out) as { services: Record<string, Service> }
}

// Compose versions print ports differently ("127.0.0.1:3000:3000/tcp", or objects): one form for the assertions.
const published = (s: Service): string[] => (s.ports ?? []).map(p => (typeof p === 'string'
  ? p
  : `${p.host_ip ?? ''}:${String(p.published ?? '')}:${String(p.target ?? '')}`).replace(/\/tcp$/, ''))

describe('docker-compose.yml', () => {
  let dir: string

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-compose-'))
    for (const f of ['docker-compose.yml', 'docker-compose.redis.yml', '.env.example']) copyFileSync(join(ROOT, f), join(dir, f))
    mkdirSync(join(dir, 'config'))
    writeFileSync(join(dir, 'config', 'relay.config.yaml'), '')
  })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('passes every variable of .env to the relay: a second portal\'s webhook and the CF7 secret too', () => {
    writeFileSync(join(dir, '.env'), [
      'B24_WEBHOOK_URL=https://main.bitrix24.ru/rest/1/main-code/',
      'B24_WEBHOOK_URL_SHOP=https://shop.bitrix24.ru/rest/7/shop-code/',
      'CF7_SECRET=cf7-secret-0123456789',
      'ADMIN_TOKEN=admin-token-0123456789abcdef',
      'METRICS_TOKEN=metrics-token-0123456789',
      ''
    ].join('\n'))
    const { relay } = composeConfig(dir, ['docker-compose.yml']).services
    expect(relay?.environment).toMatchObject({
      B24_WEBHOOK_URL: 'https://main.bitrix24.ru/rest/1/main-code/',
      B24_WEBHOOK_URL_SHOP: 'https://shop.bitrix24.ru/rest/7/shop-code/',
      CF7_SECRET: 'cf7-secret-0123456789',
      ADMIN_TOKEN: 'admin-token-0123456789abcdef',
      METRICS_TOKEN: 'metrics-token-0123456789',
      RELAY_CONFIG: '/app/config/relay.config.yaml'
    })
    // The config is a folder mount, so a replaced file is what SIGHUP reads.
    expect(JSON.stringify(relay?.volumes)).toContain('/app/config')
    expect(JSON.stringify(relay?.volumes)).not.toContain('relay.config.yaml')
    expect(relay?.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '5' } })
  })

  it('publishes the port on 127.0.0.1 unless RELAY_PUBLISH says otherwise', () => {
    writeFileSync(join(dir, '.env'), 'B24_WEBHOOK_URL=https://main.bitrix24.ru/rest/1/main-code/\n')
    expect(published(composeConfig(dir, ['docker-compose.yml']).services.relay!)).toEqual(['127.0.0.1:3000:3000'])
    writeFileSync(join(dir, '.env'), 'RELAY_PUBLISH=0.0.0.0:8080\n')
    expect(published(composeConfig(dir, ['docker-compose.yml']).services.relay!)).toEqual(['0.0.0.0:8080:3000'])
  })

  it('the .env.example copied as is is a valid start', () => {
    copyFileSync(join(dir, '.env.example'), join(dir, '.env'))
    expect(composeConfig(dir, ['docker-compose.yml']).services.relay?.environment).toHaveProperty('ADMIN_TOKEN', '')
  })

  it('with docker-compose.redis.yml the relay uses Redis and waits for its healthcheck', () => {
    writeFileSync(join(dir, '.env'), 'B24_WEBHOOK_URL=https://main.bitrix24.ru/rest/1/main-code/\nOUTBOX_URL=\n')
    const { relay, redis } = composeConfig(dir, ['docker-compose.yml', 'docker-compose.redis.yml']).services
    expect(relay?.environment?.OUTBOX_URL).toBe('redis://redis:6379/0')
    expect(relay?.depends_on).toEqual({ redis: { condition: 'service_healthy' } })
    expect(published(redis!)).toEqual(['127.0.0.1:6379:6379'])
  })
})
