/**
 * One submission's part of a batch: the add (lead, or contact + deal) and the follow-ups that use
 * its new id through batch references (`$result[m0]`): the timeline comment, the product row, the
 * look-up of the deal a simple-mode portal converted the lead into. All of it travels in the same
 * HTTP request as the add, so "the record exists" (found by ORIGIN_ID later) also means "its
 * follow-ups were run". Files never go here: they are sent after, one guarded call each.
 */
import type { BatchCommand, BatchCommandError, BatchReply } from '../bitrix/batch.ts'
import type { ProductRow } from '../domain/lead-extras.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import type { ClaimedSubmission } from '../outbox/types.ts'

export interface Plan {
  c: ClaimedSubmission
  entity: 'lead' | 'deal'
  /** The lead's or the deal's fields, ORIGINATOR_ID / ORIGIN_ID included. */
  fields: LeadFields
  /** entity deal: a contact to create in the same batch and bind to the deal. */
  contact?: LeadFields
  timeline?: string
  product?: ProductRow
  /** entity lead: ask for the deal the portal converted the lead into (simple mode). */
  findDeal: boolean
}

interface PlanKeys { contact: string, main: string, deal: string, timeline: string, product: string }

const keysOf = (index: number): PlanKeys =>
  ({ contact: `c${index}`, main: `m${index}`, deal: `v${index}`, timeline: `t${index}`, product: `p${index}` })

const ref = (key: string): string => `$result[${key}]`

export function planCommands (plan: Plan, index: number, registerSonetEvent: boolean): BatchCommand[] {
  const k = keysOf(index)
  // The server compares strtoupper(value) === 'Y', so a JSON boolean would not work.
  const params = { REGISTER_SONET_EVENT: registerSonetEvent ? 'Y' : 'N' }
  const commands: BatchCommand[] = []
  let fields: Record<string, unknown> = plan.fields
  if (plan.contact !== undefined) {
    commands.push({ key: k.contact, method: 'crm.contact.add', params: { fields: plan.contact, params } })
    fields = { ...fields, CONTACT_ID: ref(k.contact) }
  }
  commands.push({ key: k.main, method: `crm.${plan.entity}.add`, params: { fields, params } })
  if (plan.findDeal && plan.entity === 'lead') {
    commands.push({ key: k.deal, method: 'crm.deal.list', params: { filter: { LEAD_ID: ref(k.main) }, select: ['ID'] } })
  }
  if (plan.timeline !== undefined) {
    // crm.timeline.comment.add reads only lowercase `fields`.
    commands.push({
      key: k.timeline,
      method: 'crm.timeline.comment.add',
      params: { fields: { ENTITY_ID: ref(k.main), ENTITY_TYPE: plan.entity, COMMENT: plan.timeline } }
    })
  }
  if (plan.product !== undefined) {
    commands.push({ key: k.product, method: `crm.${plan.entity}.productrows.set`, params: { id: ref(k.main), rows: [plan.product] } })
  }
  return commands
}

export type PlanOutcome =
  | { status: 'created', id: number, dealId?: number, problems: string[] }
  | { status: 'failed', error: BatchCommandError, method: string }
  | { status: 'unknown' }

const positiveId = (value: unknown): number | undefined => {
  const n = typeof value === 'number' ? value : Number(value)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

/** How one plan fared in a batch reply: the add decides; follow-up failures are reported as problems. */
export function readPlan (plan: Plan, index: number, reply: BatchReply): PlanOutcome {
  const k = keysOf(index)
  const error = reply.errors[k.main]
  if (error !== undefined) return { status: 'failed', error, method: `crm.${plan.entity}.add` }
  const id = positiveId(reply.results[k.main])
  // Neither a result nor an error: the add's fate is not known; look it up next time.
  if (id === undefined) return { status: 'unknown' }
  const problems: string[] = []
  const followUps = [
    [k.contact, 'crm.contact.add'], [k.timeline, 'crm.timeline.comment.add'], [k.product, 'productrows.set'], [k.deal, 'crm.deal.list']
  ] as const
  for (const [key, what] of followUps) {
    const e = reply.errors[key]
    if (e !== undefined) problems.push(`${what}: ${e.error === '' ? '(no code)' : e.error} ${e.description}`.trim())
  }
  const deals = reply.results[k.deal]
  const first = Array.isArray(deals) ? deals[0] as { ID?: unknown } | undefined : undefined
  const dealId = plan.entity === 'deal' ? id : positiveId(first?.ID)
  return { status: 'created', id, ...(dealId !== undefined ? { dealId } : {}), problems }
}
