/**
 * The deploy recipes of docs/deploy.md: the files it quotes are the ones in deploy/, the systemd unit
 * passes systemd-analyze, and the headers the nginx config sets give the relay the visitor's address
 * once TRUST_PROXY names nginx (and only then).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { readEnvironment } from '../../src/config/environment.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')
const doc = read('docs/deploy.md')

describe('docs/deploy.md', () => {
  it('quotes deploy/nginx.conf and deploy/b24-form-relay.service exactly', () => {
    expect(doc).toContain('```nginx\n' + read('deploy/nginx.conf').trimEnd() + '\n```')
    expect(doc).toContain('```ini\n' + read('deploy/b24-form-relay.service').trimEnd() + '\n```')
  })

  it('the systemd unit passes systemd-analyze verify, reloads with SIGHUP and restarts on failure', () => {
    const unit = read('deploy/b24-form-relay.service')
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
    expect(unit).toMatch(/^Restart=on-failure$/m)
    expect(unit).toMatch(/^StateDirectory=b24-form-relay$/m)
    let out = ''
    try {
      out = execFileSync('systemd-analyze', ['verify', join(ROOT, 'deploy/b24-form-relay.service')],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('systemd-analyze is not installed: this test verifies the unit with it (apt-get install systemd)')
      }
      throw new Error(`systemd-analyze verify failed: ${String((err as { stderr?: unknown }).stderr ?? err)}`)
    }
    expect(out).not.toMatch(/Unknown key|Unknown section|ignoring/)
  })

  it('every variable the relay reads is in the environment table and in .env.example', () => {
    const example = read('.env.example')
    for (const name of ['PORT', 'HOST', 'LOG_LEVEL', 'RELAY_CONFIG', 'B24_WEBHOOK_URL', 'OUTBOX_URL', 'OUTBOX_DURABILITY', 'RELAY_WORKER',
      'TRUST_PROXY', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'METRICS_PORT', 'EMULATOR_PORT', 'SHOP_PORT']) {
      expect(doc).toContain('`' + name + '`')
    }
    const inExample = ['B24_WEBHOOK_URL', 'ADMIN_TOKEN', 'METRICS_TOKEN', 'TRUST_PROXY', 'LOG_LEVEL', 'OUTBOX_URL',
      'OUTBOX_DURABILITY', 'RELAY_WORKER']
    for (const name of inExample) {
      expect(example).toMatch(new RegExp(`^${name}=`, 'm'))
    }
  })
})

describe('behind nginx (the headers of deploy/nginx.conf)', () => {
  let outbox: SqliteOutbox | undefined
  afterEach(async () => { await outbox?.close() })

  async function storedIp (trustProxyVar: string): Promise<unknown> {
    const config = buildConfig({}, { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/abc/' })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const app = await buildApp({ config: () => config, outbox, trustProxy: readEnvironment({ TRUST_PROXY: trustProxyVar }).trustProxy })
    const res = await app.inject({
      method: 'POST',
      url: '/f/default',
      remoteAddress: '127.0.0.1',
      headers: {
        host: 'relay.example.com',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'relay.example.com',
        accept: 'application/json'
      },
      payload: { name: 'Anna', phone: '+7 900 123-45-67' }
    })
    expect(res.statusCode).toBe(202)
    const record = await outbox.get((res.json() as { id: string }).id)
    await app.close()
    return (record?.meta as { ip?: unknown } | null)?.ip
  }

  it('TRUST_PROXY=127.0.0.1: the visitor\'s address from X-Forwarded-For', async () => {
    expect(await storedIp('127.0.0.1')).toBe('203.0.113.7')
  })

  it('without TRUST_PROXY every visitor is nginx', async () => {
    expect(await storedIp('')).toBe('127.0.0.1')
  })
})
