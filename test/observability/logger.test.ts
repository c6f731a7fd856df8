/**
 * The relay's logger: secrets redacted by key at any depth, webhook codes and bearer
 * tokens masked inside any text, visitors' e-mails and phones masked by default — without eating
 * dates, ports, ids or addresses.
 */
import { spawnSync } from 'node:child_process'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, maskEmails, maskPhones, scrubLogLine } from '../../src/observability/logger.ts'

function capture (maskPii?: boolean): { lines: string[], log: ReturnType<typeof createLogger> } {
  const lines: string[] = []
  const destination = new Writable({ write (chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb() } })
  return { lines, log: createLogger({ destination, ...(maskPii !== undefined ? { maskPii } : {}) }) }
}

describe('createLogger', () => {
  it('redacts secrets by path and by key at any depth', () => {
    const { lines, log } = capture()
    log.info({
      webhook: 'https://p.example/rest/1/hook-code-1/',
      form: { secret: 'form-secret-1', captcha: { secret: 'cap-secret-1' } },
      deep: { a: { b: { hmacSecret: 'hmac-1', adminToken: 'admin-1', password: 'pw-1' } } },
      req: { headers: { authorization: 'Bearer tok-1' } }
    }, 'config')
    const text = lines.join('')
    for (const secret of ['hook-code-1', 'form-secret-1', 'cap-secret-1', 'hmac-1', 'admin-1', 'pw-1', 'tok-1']) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('[redacted]')
  })

  it('redacts a secret key whatever its value: a number, a boolean, a webhook without a /rest/ path', () => {
    const { lines, log } = capture()
    log.info({ token: 918273645, form: { password: true, webhook: 'opaque-hook-value' }, count: 3 }, 'config')
    const line = JSON.parse(lines.join('')) as Record<string, unknown>
    expect(line.token).toBe('[redacted]')
    expect(line.form).toEqual({ password: '[redacted]', webhook: '[redacted]' })
    expect(line.count).toBe(3)
    expect(lines.join('')).not.toMatch(/918273645|opaque-hook-value/)
  })

  it('masks webhook codes and bearer tokens inside messages and errors', () => {
    const { lines, log } = capture()
    const err = new Error('fetch failed for https://portal.example/rest/7/s3cr3tcode/batch.json with Bearer abc.def.ghi')
    log.error({ err }, 'call to https://portal.example/rest/7/s3cr3tcode/crm.lead.add failed')
    const text = lines.join('')
    expect(text).not.toContain('s3cr3tcode')
    expect(text).not.toContain('abc.def.ghi')
    expect(text).toContain('/rest/7/***')
  })

  it('masks e-mails and phone numbers by default, and can leave them', () => {
    const { lines, log } = capture()
    log.warn(
      { detail: 'Invalid EMAIL anna.petrova@example.ru, PHONE +7 (900) 123-45-67, tel 89001234567' },
      'portal said no to ivan@mail.example'
    )
    const text = lines.join('')
    for (const pii of ['anna.petrova@example.ru', 'ivan@mail.example', '123-45-67', '89001234567', 'petrova']) {
      expect(text).not.toContain(pii)
    }
    expect(text).toContain('a***@e***.ru')
    expect(text).toContain('+7********67')
    const raw = capture(false)
    raw.log.info({ detail: 'anna@example.ru +79001234567' }, 'x')
    expect(raw.lines.join('')).toContain('anna@example.ru')
  })

  it('leaves numbers that are not phones: times, ports, ids, dates, addresses', () => {
    const line = JSON.stringify({
      time: 1750000000000,
      msg: 'listening',
      port: 3000,
      id: '01JDX3K4M5N6P7Q8R9S0T1V2W3',
      at: '2024-11-29 10:00:00',
      ip: '192.168.100.200',
      ms: '1500 ms < 2000 ms',
      leadId: 123456
    })
    expect(scrubLogLine(line)).toBe(line)
  })

  it('unit: the maskers', () => {
    expect(maskEmails('write to a.b+c@sub.example.com now')).toBe('write to a***@s***.com now')
    expect(maskPhones('8 (912) 345-67-89')).toBe('8********89')
    expect(maskPhones('+44 20 7946 0958')).toBe('+4*********58')
    expect(maskPhones('order 12345')).toBe('order 12345')
  })
})

describe('pretty lines for a terminal', () => {
  it('loads pino-pretty only when asked, and still masks secrets', () => {
    const script = [
      "import { createLogger } from './src/observability/logger.ts'",
      "import { createRequire } from 'node:module'",
      "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some(k => k.includes('/pino-pretty/'))",
      'const json = createLogger({ destination: { write () {} } })',
      "json.info('quiet')",
      'const before = loaded()',
      "createLogger({ pretty: true }).info({ url: 'https://p.example/rest/1/s3cr3tcode/' }, 'hello there')",
      'process.stderr.write(JSON.stringify({ before, after: loaded() }))'
    ].join('\n')
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../', import.meta.url), encoding: 'utf8', timeout: 20_000
    })
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stderr)).toEqual({ before: false, after: true })
    expect(run.stdout).toContain('hello there')
    expect(run.stdout).not.toContain('s3cr3tcode')
    expect(run.stdout.trimStart().startsWith('{')).toBe(false)
  })
})
