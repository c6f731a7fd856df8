/**
 * Responses recorded from live Bitrix24 portals and the official doc examples (test/fixtures/bitrix24-recorded,
 * sources in its README), served verbatim by a local HTTP server and read through the real client.
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { classifyCommandError } from '../../src/bitrix/classify.ts'
import { BitrixError } from '../../src/bitrix/errors.ts'
import { decideForError } from '../../src/delivery/lane/decide.ts'
import { sendJson, trackedPortals } from './fake-portal.ts'

const { portal, client } = trackedPortals()

const recorded = (name: string): string => readFileSync(new URL(`../fixtures/bitrix24-recorded/${name}`, import.meta.url), 'utf8')

/** A client of a portal that answers every call with one recorded body. */
async function replaying (name: string, status = 200): Promise<ReturnType<typeof client>> {
  const body = recorded(name)
  const p = await portal((_req, res) => sendJson(res, status, body))
  return client({ webhook: p.webhook })
}

const ADD = { key: 'f26b4ebc-3a82-4fe6-8d26-595d6eaf029b', method: 'crm.lead.add', params: { fields: { TITLE: 'x' } } }

describe('recorded Bitrix24 answers through the client', () => {
  it('a batch command blocked by OPERATION_TIME_LIMIT takes the outer time.operating_reset_at', async () => {
    const reply = await (await replaying('01-phpsdk-batch-operation-time-limit.body.json')).batch([ADD])
    const entry = reply.errors[ADD.key]
    expect(entry).toMatchObject({ error: 'OPERATION_TIME_LIMIT', description: 'Method is blocked due to operation time limit.' })
    const err = classifyCommandError(entry!, 'crm.lead.add')
    expect(err.kind).toBe('operation_limit')
    expect(err.resetAt).toBe(1681570067_000)
    // The lane waits for that reset (10 minutes after the answer), not a fixed minute.
    const now = 1681569467_519
    const decision = decideForError(err, { attempts: 1, createdAt: now, now, maxAttempts: 50, maxAgeMs: 86_400_000 })
    expect(decision).toMatchObject({ action: 'retry', at: 1681570067_000, portal: { state: 'rate_limited', until: 1681570067_000 } })
  })

  it('list-shaped result_error with empty codes, and a time without operating_reset_at', async () => {
    const reply = await (await replaying('fb24-crm_get_batch_mix_success_and_errors.json')).batch([
      { key: '0', method: 'crm.lead.get', params: { id: 0 } }, { key: '1', method: 'crm.lead.get', params: { id: 1 } },
      { key: '35943', method: 'crm.lead.get', params: { id: 35943 } }
    ])
    expect(reply.results).toEqual({ 35943: { ID: '35943' } })
    expect(reply.errors).toEqual({
      0: { error: '', description: 'ID is not defined or invalid.' },
      1: { error: '', description: 'Not found' }
    })
    expect(classifyCommandError(reply.errors[1]!).kind).toBe('validation')
  })

  it('every command failed: result [] and a list of errors', async () => {
    const reply = await (await replaying('fb24-crm_get_batch_of_two_error.json')).batch([
      { key: '0', method: 'crm.lead.get', params: { id: 0 } }, { key: '1', method: 'crm.lead.get', params: { id: 1 } }
    ])
    expect(reply.results).toEqual({})
    expect(Object.keys(reply.errors)).toHaveLength(2)
  })

  it('crm.contact.add in a batch answers an integer id; a list command an empty list with total 0', async () => {
    const key = 'order0000000000'
    const added = await (await replaying('fb24-crm_contact_add_batch.json')).batch([{ key, method: 'crm.contact.add', params: {} }])
    expect(added.results).toEqual({ order0000000000: 58943 })
    expect(added.errors).toEqual({})
    const listed = await (await replaying('fb24-batch_list_empty.json')).batch([{ key, method: 'crm.lead.list', params: {} }])
    expect(listed.results).toEqual({ order0000000000: [] })
    expect(listed.totals).toEqual({ order0000000000: 0 })
  })

  it('a batch with no operating timing at all', async () => {
    const reply = await (await replaying('fb24-crm_item_add.json')).batch([{ key: 'order0000000000', method: 'crm.item.add', params: {} }])
    expect((reply.results.order0000000000 as { item: { id: number } }).item.id).toBe(247)
  })

  it('insufficient_scope with an empty description inside a batch pauses like a refused webhook', async () => {
    const reply = await (await replaying('20-docs-batch-halt0-insufficient-scope.json')).batch([
      { key: 'get_user', method: 'user.get', params: {} }, { key: 'get_department', method: 'department.get', params: {} }
    ])
    expect(reply.errors.get_user).toEqual({ error: 'insufficient_scope', description: '' })
    expect(classifyCommandError(reply.errors.get_user!).kind).toBe('auth')
  })

  it('crm.lead.fields: JSON booleans', async () => {
    const fields = await (await replaying('fb24-crm_lead_fields_success.json')).leadFields()
    expect(fields.TITLE).toMatchObject({ type: 'string', isRequired: true, isReadOnly: false })
    expect(fields.ID?.isReadOnly).toBe(true)
  })

  it('integer ids from crm.lead.add and crm.duplicate.findbycomm', async () => {
    expect(await (await replaying('22-docs-crm-lead-add.json')).addLead({ TITLE: 'x' })).toBe(3465)
    const found = await (await replaying('21-docs-findbycomm.json')).call('crm.duplicate.findbycomm', { type: 'PHONE', values: ['1'] })
    expect(found.result).toEqual({ CONTACT: [275, 2297] })
  })

  it.each([
    ['10-query-limit-exceeded.body.json', 503, 'rate_limit'],
    ['13-method-not-found.body.json', 404, 'method_not_found'],
    ['14-method-not-found-nodesc.404.body.json', 404, 'method_not_found']
  ] as const)('%s (HTTP %i) is a %s error', async (name, status, kind) => {
    const err = await (await replaying(name, status)).call('crm.lead.fields', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(BitrixError)
    expect((err as BitrixError).kind).toBe(kind)
  })
})
