/**
 * The warm-up before listening: each form's submission path runs on made-up values, bounded in forms,
 * and a form it cannot run is skipped, never a reason not to start.
 */
import { Writable } from 'node:stream'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { warmUp } from '../../src/process/warm-up.ts'

const ENV = { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/testsecret/' }

function capture (): { lines: Array<Record<string, unknown>>, logger: pino.Logger } {
  const lines: Array<Record<string, unknown>> = []
  const destination = new Writable({
    write (chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); cb() }
  })
  return { lines, logger: pino({ level: 'debug' }, destination) }
}

describe('warmUp', () => {
  it('runs every form, extras included, and says so at debug level', () => {
    const config = buildConfig({
      forms: {
        shop: {
          fields: { phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', name: 'NAME', birthday: 'BIRTHDATE', sum: 'OPPORTUNITY' },
          timeline: true,
          product: { name: 'product', price: 'price' }
        }
      }
    }, ENV)
    const { lines, logger } = capture()
    warmUp(config, logger)
    expect(lines.filter(l => l.msg === 'warm-up skipped a form')).toEqual([])
    expect(lines.find(l => l.msg === 'warm-up done')).toMatchObject({ forms: Object.keys(config.forms).length })
  })

  it('skips a form it cannot run and goes on with the others', () => {
    const config = buildConfig({ forms: { good: { fields: { phone: 'PHONE_WORK' } } } }, ENV)
    const broken = { ...config.forms.good }
    Object.defineProperty(broken, 'fields', { get () { throw new Error('unreadable form') }, enumerable: true })
    const forms = { broken, ...config.forms }
    const { lines, logger } = capture()
    warmUp({ ...config, forms } as typeof config, logger)
    expect(lines.filter(l => l.msg === 'warm-up skipped a form').map(l => l.formId)).toEqual(['broken', 'broken'])
    expect(lines.find(l => l.msg === 'warm-up done')).toMatchObject({ forms: Object.keys(forms).length })
  })

  it('warms at most 20 forms: the rest share their code paths', () => {
    const many = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`form-${i}`, { fields: { phone: 'PHONE_WORK' } }]))
    const config = buildConfig({ forms: many }, ENV)
    const { lines, logger } = capture()
    warmUp(config, logger)
    expect(lines.find(l => l.msg === 'warm-up done')).toMatchObject({ forms: 20 })
  })
})
