/**
 * The Bitrix24 trace and the analytics ids over real HTTP: relay → SQLite outbox → delivery → the
 * emulated portal. A good trace becomes the lead's (or the deal's) TRACE and a recorded trace; one
 * that is not JSON or is too large is left out with a COMMENTS note and a log line, and the lead
 * arrives all the same.
 */
import type { FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { waitFor } from '../helpers/wait-for.ts'

const TRACE = JSON.stringify({ url: 'https://shop.example.ru/catalog/stul/', ref: 'https://yandex.ru/', device: { isMobile: false } })

describe('tracker trace and analytics ids → emulator, end to end', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker
  let app: FastifyInstance
  let base: string
  const logs: Array<Record<string, unknown>> = []

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
    const config = buildConfig({
      forms: {
        lead: { fields: { name: 'NAME', phone: 'PHONE_MOBILE' }, analytics: { gaClientId: 'UF_CRM_GA' } },
        deal: { language: 'en', entity: 'deal', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } },
        merge: { duplicates: 'merge', fields: { name: 'NAME', phone: 'PHONE_MOBILE' } }
      }
    }, { B24_WEBHOOK_URL: emulator.webhookUrl })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
    const logger = pino({ level: 'info' }, { write: (line: string) => { logs.push(JSON.parse(line) as Record<string, unknown>) } })
    worker = new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20 })
    app = await buildApp({ config: () => config, outbox, logger, onAccepted: id => worker.wake(id) })
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    worker.start()
  })

  afterAll(async () => {
    await app?.close()
    await worker?.stop()
    await outbox?.close()
    await emulator?.close()
  })

  async function post (formId: string, values: Record<string, string>): Promise<string> {
    const res = await fetch(`${base}/f/${formId}`, {
      method: 'POST',
      body: new URLSearchParams(values).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    })
    expect(res.status).toBe(202)
    return ((await res.json()) as { id: string }).id
  }

  const leadOf = async (id: string): Promise<Record<string, unknown>> =>
    (await waitFor(() => emulator.leads().find(l => l.fields.ORIGIN_ID === id), { what: `lead ${id}` })).fields

  it('passes a JSON trace as TRACE of crm.lead.add; the portal records it for the lead', async () => {
    const id = await post('lead', { name: 'Анна', phone: '+79001112233', b24_trace: TRACE, ga_client_id: '987654321.1700000000' })
    const fields = await leadOf(id)
    expect(fields.TRACE).toBe(TRACE)
    expect(fields.UF_CRM_GA).toBe('987654321.1700000000')
    const lead = emulator.leads().find(l => l.fields.ORIGIN_ID === id)
    expect(emulator.traces().filter(t => t.ENTITIES.some(e => e.TYPE === 'LEAD' && e.ID === lead?.ID))).toHaveLength(1)
  })

  it('a trace that is not JSON: the lead arrives with a note, the portal gets no TRACE, the log says why', async () => {
    const id = await post('lead', { name: 'Борис', phone: '+79002223344', b24_trace: 'b24 trace: {oops' })
    const fields = await leadOf(id)
    expect(fields.TRACE).toBeUndefined()
    expect(String(fields.COMMENTS).split('\n')).toContain('Данные сквозной аналитики Битрикс24 (b24_trace) не переданы: это не JSON')
    expect(logs).toContainEqual(expect.objectContaining({
      msg: 'tracking value left out of the lead', submissionId: id, field: 'b24_trace', reason: 'not_json'
    }))
  })

  it('a trace over 16 KB: the lead arrives with a note and the size in the log', async () => {
    const big = JSON.stringify({ pages: { list: Array.from({ length: 500 }, (_, i) => [`https://shop.example.ru/p/${i}`, i, 'Страница']) } })
    const id = await post('lead', { name: 'Вера', phone: '+79003334455', b24_trace: big })
    const fields = await leadOf(id)
    expect(fields.TRACE).toBeUndefined()
    expect(String(fields.COMMENTS)).toMatch(/b24_trace\) не переданы: \d+ КБ, больше 16 КБ/)
    expect(logs).toContainEqual(expect.objectContaining({ submissionId: id, reason: 'too_large', bytes: Buffer.byteLength(big) }))
  })

  it('deal mode: TRACE goes with crm.deal.add, and the deal\'s trace is recorded', async () => {
    const id = await post('deal', { name: 'Dmitry', phone: '+79004445566', b24_trace: TRACE, roistat_visit: '4471' })
    const deal = await waitFor(() => emulator.deals().find(d => d.fields.ORIGIN_ID === id), { what: `deal ${id}` })
    expect(deal.fields.TRACE).toBe(TRACE)
    expect(String(deal.fields.COMMENTS)).toContain('Roistat visit: 4471')
    expect(emulator.contacts().find(c => c.fields.ORIGIN_ID === id)?.fields.TRACE).toBeUndefined()
    expect(emulator.traces()).toContainEqual(expect.objectContaining({ via: 'add', ENTITIES: [{ TYPE: 'DEAL', ID: deal.ID }] }))
  })

  it('duplicates: merge — no add carries the repeat\'s TRACE, so crm.tracking.trace.add links it to the open lead', async () => {
    const first = await post('merge', { name: 'Галина', phone: '+79005556677' })
    const lead = await waitFor(() => emulator.leads().find(l => l.fields.ORIGIN_ID === first), { what: 'the first lead' })
    const repeat = await post('merge', { name: 'Галина', phone: '+79005556677', b24_trace: TRACE, note: 'ещё раз' })
    await waitFor(() => emulator.comments().find(c => c.COMMENT.includes(repeat)), { what: 'the merge comment' })
    const linked = await waitFor(() => emulator.traces().find(t => t.via === 'crm.tracking.trace.add'), { what: 'the linked trace' })
    expect(linked.ENTITIES).toEqual([{ TYPE: 'LEAD', ID: lead.ID }])
    expect(linked.raw).toBe(TRACE)
    expect(emulator.leads().filter(l => l.fields.NAME === 'Галина')).toHaveLength(1)
  })
})
