import { describe, expect, it } from 'vitest'
import { buildBatchCommand } from '../../src/bitrix/batch.ts'
import { planCommands, readPlan, type Plan } from '../../src/delivery/lead-plan.ts'
import type { ClaimedSubmission } from '../../src/outbox/types.ts'

const claimed = (id: string): ClaimedSubmission => ({
  id,
  formId: 'f',
  portalId: 'p',
  payload: {},
  attempts: 1,
  createdAt: 0,
  leaseToken: 't',
  leaseUntil: 1,
  outcomeUnknown: false
})

const full: Plan = {
  c: claimed('S1'),
  entity: 'deal',
  fields: { TITLE: 'T', ORIGIN_ID: 'S1' },
  contact: { NAME: 'N', ORIGIN_ID: 'S1' },
  timeline: 'text',
  product: { PRODUCT_NAME: 'P', PRICE: 1, QUANTITY: 2 },
  findDeal: true
}

describe('lead plan: one submission as batch commands', () => {
  it('puts the contact first, binds the deal to it by reference, and aims every follow-up at the new id', () => {
    const cmds = planCommands(full, 3, true)
    expect(cmds.map(c => [c.key, c.method])).toEqual([
      ['c3', 'crm.contact.add'], ['m3', 'crm.deal.add'], ['t3', 'crm.timeline.comment.add'], ['p3', 'crm.deal.productrows.set']
    ])
    expect(cmds[1]!.params)
      .toEqual({ fields: { TITLE: 'T', ORIGIN_ID: 'S1', CONTACT_ID: '$result[c3]' }, params: { REGISTER_SONET_EVENT: 'Y' } })
    expect(cmds[2]!.params).toEqual({ fields: { ENTITY_ID: '$result[m3]', ENTITY_TYPE: 'deal', COMMENT: 'text' } })
    expect(cmds[3]!.params).toEqual({ id: '$result[m3]', rows: [{ PRODUCT_NAME: 'P', PRICE: 1, QUANTITY: 2 }] })
    // The reference survives the batch command encoding as the literal $result[m3].
    expect(decodeURIComponent(buildBatchCommand(cmds[2]!.method, cmds[2]!.params))).toContain('fields[ENTITY_ID]=$result[m3]')
  })

  it('a lead plan looks up the converted deal only when asked, and sends nothing it does not need', () => {
    const lead: Plan = { c: claimed('S2'), entity: 'lead', fields: { TITLE: 'L' }, findDeal: true }
    expect(planCommands(lead, 0, false).map(c => c.key)).toEqual(['m0', 'v0'])
    expect(planCommands(lead, 0, false)[1]!.params).toEqual({ filter: { LEAD_ID: '$result[m0]' }, select: ['ID'] })
    expect(planCommands({ ...lead, findDeal: false }, 0, false).map(c => c.key)).toEqual(['m0'])
    expect(planCommands(lead, 0, false)[0]!.params.params).toEqual({ REGISTER_SONET_EVENT: 'N' })
  })

  it('reads the outcome: the add decides; follow-up errors are problems; the converted deal is picked up', () => {
    const lead: Plan = { c: claimed('S2'), entity: 'lead', fields: {}, timeline: 'x', findDeal: true }
    const empty = { totals: {}, nexts: {} }
    expect(readPlan(lead, 0, { results: { m0: 12, v0: [{ ID: '40' }] }, errors: {}, ...empty }))
      .toEqual({ status: 'created', id: 12, dealId: 40, problems: [] })
    expect(readPlan(lead, 0, {
      results: { m0: '12', v0: [] },
      errors: { t0: { error: 'OWNER_NOT_FOUND', description: 'Owner not found.' } },
      ...empty
    }))
      .toEqual({ status: 'created', id: 12, problems: ['crm.timeline.comment.add: OWNER_NOT_FOUND Owner not found.'] })
    expect(readPlan(lead, 0, { results: {}, errors: { m0: { error: '', description: 'bad' } }, ...empty }))
      .toEqual({ status: 'failed', error: { error: '', description: 'bad' }, method: 'crm.lead.add' })
    expect(readPlan(lead, 0, { results: { m0: 'nonsense' }, errors: {}, ...empty })).toEqual({ status: 'unknown' })
    expect(readPlan(full, 1, { results: { c1: 3, m1: 8 }, errors: {}, ...empty }))
      .toEqual({ status: 'created', id: 8, dealId: 8, problems: [] })
  })
})
