/** CRM reads the rich delivery path needs: duplicates by phone or e-mail, open leads, records by origin, comments, list fields. */
import { z } from 'zod'
import type { CallFn } from './call.ts'
import { listAll as listPages, LIST_CHUNK, phpList } from './crm.ts'
import { idSchema } from './schemas.ts'

export type CrmEntity = 'lead' | 'deal' | 'contact' | 'company'
export type CommType = 'PHONE' | 'EMAIL'

// A list that keeps offering pages is a broken portal or filter; stop rather than loop.
const MAX_PAGES = 20
/** Every row of a list method, following `next`, at most MAX_PAGES pages. */
const listAll = async <T>(call: CallFn, method: string, params: Record<string, unknown>, item: z.ZodType<T>): Promise<T[]> =>
  listPages(call, method, params, item, MAX_PAGES)
/** crm.duplicate.findbycomm takes at most 20 values. */
export const MAX_COMM_VALUES = 20

const idText = z.union([z.string(), z.number().transform(String)])
// `[]` when nothing matched (PHP's empty array), else {LEAD: [ids], CONTACT: [...], COMPANY: [...]}.
const findByCommSchema = z.union([
  z.array(z.unknown()).length(0).transform(() => ({} as Record<string, number[]>)),
  z.record(z.string(), phpList(idSchema))
])

/** Ids of `entityType` records holding any of these phones or e-mails, lowest first. */
export async function findByComm (
  call: CallFn, type: CommType, values: string[], entityType: 'LEAD' | 'CONTACT' | 'COMPANY'
): Promise<number[]> {
  const wanted = [...new Set(values.filter(v => v.trim() !== ''))].slice(0, MAX_COMM_VALUES)
  if (wanted.length === 0) return []
  const reply = await call('crm.duplicate.findbycomm', { type, values: wanted, entity_type: entityType }, findByCommSchema)
  return [...new Set(reply.result[entityType] ?? [])].sort((a, b) => a - b)
}

/** Of these lead ids, the ones still open (STATUS_SEMANTIC_ID P), newest first. */
export async function openLeads (call: CallFn, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return []
  const rows = await listAll(call, 'crm.lead.list', {
    filter: { '@ID': ids.slice(0, LIST_CHUNK), STATUS_SEMANTIC_ID: 'P' },
    select: ['ID', 'STATUS_SEMANTIC_ID'],
    order: { ID: 'DESC' }
  }, z.object({ ID: idSchema, STATUS_SEMANTIC_ID: z.string().nullish() }).loose())
  // A portal that ignored the filter must not turn a closed lead into a merge target.
  return rows.filter(r => r.STATUS_SEMANTIC_ID === undefined || r.STATUS_SEMANTIC_ID === 'P').map(r => r.ID).sort((a, b) => b - a)
}

/** ORIGIN_ID → id of the oldest record of this entity carrying it (crm.lead.list / crm.deal.list / crm.contact.list). */
export async function findByOrigin (
  call: CallFn, entity: 'lead' | 'deal' | 'contact', originatorId: string, originIds: string[]
): Promise<Map<string, number>> {
  const found = new Map<string, number>()
  const wanted = [...new Set(originIds)]
  for (let i = 0; i < wanted.length; i += LIST_CHUNK) {
    const chunk = new Set(wanted.slice(i, i + LIST_CHUNK))
    const rows = await listAll(call, `crm.${entity}.list`, {
      filter: { '=ORIGINATOR_ID': originatorId, '@ORIGIN_ID': [...chunk] },
      select: ['ID', 'ORIGIN_ID', 'ORIGINATOR_ID'],
      order: { ID: 'ASC' }
    }, z.object({ ID: idSchema, ORIGIN_ID: idText.nullish(), ORIGINATOR_ID: idText.nullish() }).loose())
    for (const row of rows) {
      if (row.ORIGINATOR_ID !== undefined && row.ORIGINATOR_ID !== null && row.ORIGINATOR_ID !== originatorId) continue
      const origin = row.ORIGIN_ID ?? ''
      if (!chunk.has(origin)) continue
      const known = found.get(origin)
      if (known === undefined || row.ID < known) found.set(origin, row.ID)
    }
  }
  return found
}

/** The deal a converted lead became (simple mode), if any. */
export async function dealOfLead (call: CallFn, leadId: number): Promise<number | undefined> {
  const rows = await listAll(call, 'crm.deal.list', {
    filter: { LEAD_ID: leadId },
    select: ['ID'],
    order: { ID: 'ASC' }
  }, z.object({ ID: idSchema }).loose())
  return rows[0]?.ID
}

/** Timeline comment texts of one record (newest first). */
export async function commentTexts (call: CallFn, entity: CrmEntity, id: number): Promise<string[]> {
  const rows = await listAll(call, 'crm.timeline.comment.list', {
    filter: { ENTITY_ID: id, ENTITY_TYPE: entity },
    select: ['ID', 'COMMENT']
  }, z.object({ COMMENT: z.string().nullish() }).loose())
  return rows.map(r => r.COMMENT ?? '')
}

/** One field of a record (crm.lead.get / crm.deal.get), as the portal returns it. */
export async function fieldOf (call: CallFn, entity: 'lead' | 'deal', id: number, field: string): Promise<unknown> {
  const reply = await call(`crm.${entity}.get`, { id }, z.record(z.string(), z.unknown()))
  return reply.result[field]
}

export interface ListFieldInfo {
  name: string
  /** Item id by label, as the portal spells the label. */
  items: Array<{ id: string, label: string }>
}

const userFieldSchema = z.object({
  FIELD_NAME: z.string(),
  USER_TYPE_ID: z.string().nullish(),
  LIST: phpList(z.object({ ID: idText, VALUE: z.string() }).loose()).nullish().catch(undefined)
}).loose()

/** The enumeration (list) user fields of leads with their items: crm.lead.userfield.list. */
export async function leadListFields (call: CallFn): Promise<ListFieldInfo[]> {
  const rows = await listAll(call, 'crm.lead.userfield.list', { filter: { USER_TYPE_ID: 'enumeration' } }, userFieldSchema)
  return rows
    .filter(r => (r.USER_TYPE_ID ?? 'enumeration') === 'enumeration' && r.LIST !== undefined && r.LIST !== null)
    .map(r => ({ name: r.FIELD_NAME, items: (r.LIST ?? []).map(i => ({ id: i.ID, label: i.VALUE })) }))
}
