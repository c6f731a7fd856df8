/**
 * Keys someone else chooses find only what the config defines: a form or portal named after an
 * Object.prototype member is just a name, and one that is not configured is unknown (404 / a config
 * error), never a function found on the prototype (500).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { buildTestApp, TEST_WEBHOOK, type TestApp } from '../helpers/build-test-app.ts'

describe('own-property lookups of forms and portals', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({
      forms: { constructor: { portal: 'default', fields: { name: 'NAME' } } },
      rateLimit: { perIp: false, perForm: false }
    })
  })
  afterAll(async () => t.close())

  it('a form named "constructor" is a form; "toString", "__proto__" and "hasOwnProperty" are unknown', async () => {
    const post = async (id: string): Promise<{ statusCode: number, code?: string }> => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/f/${id}`,
        payload: { name: 'Anna' },
        headers: { 'content-type': 'application/json', accept: 'application/json' }
      })
      return { statusCode: res.statusCode, code: res.headers['x-relay-error'] as string | undefined }
    }
    expect((await post('constructor')).statusCode).toBe(202)
    for (const id of ['toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(await post(id), id).toEqual({ statusCode: 404, code: 'RELAY_ERR_UNKNOWN_FORM' })
    }
  })

  it('a form whose portal is an Object.prototype name that is not configured is a config error', () => {
    expect(() => buildConfig({ forms: { a: { portal: 'toString', fields: { name: 'NAME' } } } }, { B24_WEBHOOK_URL: TEST_WEBHOOK }))
      .toThrow(/portal "toString" is not configured/)
  })
})

describe('own-property lookups in the emulator', () => {
  let emulator: Emulator
  beforeAll(async () => { emulator = await startEmulator({ rateLimit: false }) })
  afterAll(async () => emulator.close())

  const call = async (method: string, body: unknown): Promise<{ status: number, json: Record<string, unknown> }> => {
    const res = await fetch(`${emulator.webhookUrl}${method}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
    })
    return { status: res.status, json: await res.json() as Record<string, unknown> }
  }

  it('a status dictionary named "constructor" is empty, a batch reference to "constructor" is empty', async () => {
    const list = await call('crm.status.list', { filter: { ENTITY_ID: 'constructor' } })
    expect(list.status).toBe(200)
    expect(list.json.result).toEqual([])
    const batch = await call('batch', {
      halt: 0, cmd: { a: 'crm.status.list?filter[ENTITY_ID]=toString', b: 'crm.lead.add?fields[TITLE]=$result[constructor][x]' }
    })
    expect(batch.status).toBe(200)
    const result = (batch.json.result as { result: Record<string, unknown> }).result
    expect(result.a).toEqual([])
  })
})
