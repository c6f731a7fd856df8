/** The CRM methods the relay uses: add a lead, find leads by origin, read field and status metadata. */
import { z } from 'zod'
import type { LeadFields } from '../domain/lead-fields.ts'
import type { CallFn } from './call.ts'
import { idSchema, leadFieldsSchema, leadOriginItemSchema, statusItemSchema, type LeadFieldInfo, type StatusItem } from './schemas.ts'

/** crm.*.list pages are fixed at 50 rows; 50 ids per filter keeps one page per chunk in the normal case. */
export const LIST_CHUNK = 50
// A list that keeps offering pages is a broken portal or filter; stop rather than loop.
const MAX_PAGES = 40

/** A list result: an array, or (PHP) an object keyed by index. */
export function phpList<T extends z.ZodType> (item: T) {
  return z.preprocess((raw) => raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.values(raw) : raw, z.array(item))
}

export interface AddLeadOptions {
  /** params.REGISTER_SONET_EVENT: notify the responsible user; left to the portal when absent. */
  registerSonetEvent?: boolean
}

export async function addLead (call: CallFn, fields: LeadFields, opts: AddLeadOptions = {}): Promise<number> {
  const params: Record<string, unknown> = { fields }
  // The server compares strtoupper(value) === 'Y', so a JSON boolean would not work.
  if (opts.registerSonetEvent !== undefined) params.params = { REGISTER_SONET_EVENT: opts.registerSonetEvent ? 'Y' : 'N' }
  const reply = await call('crm.lead.add', params, idSchema)
  return reply.result
}

/** Runs a list method page by page (following `next`) and returns every row. */
export async function listAll<T> (
  call: CallFn, method: string, params: Record<string, unknown>, item: z.ZodType<T>, maxPages = MAX_PAGES
): Promise<T[]> {
  const rows: T[] = []
  let start = 0
  for (let page = 0; page < maxPages; page++) {
    const reply = await call(method, { ...params, start }, phpList(item) as z.ZodType<T[]>)
    rows.push(...reply.result)
    if (reply.next === undefined || reply.next <= start) break
    start = reply.next
  }
  return rows
}

/**
 * Which of these submissions already have a lead: ORIGIN_ID → lead id (the oldest if several).
 * Used before re-sending anything whose earlier attempt may have been executed.
 */
export async function findLeadsByOrigin (call: CallFn, originatorId: string, originIds: string[]): Promise<Map<string, number>> {
  const wanted = [...new Set(originIds.filter((id) => id !== ''))]
  const found = new Map<string, number>()
  for (let i = 0; i < wanted.length; i += LIST_CHUNK) {
    const chunk = wanted.slice(i, i + LIST_CHUNK)
    const chunkSet = new Set(chunk)
    const rows = await listAll(call, 'crm.lead.list', {
      filter: { '=ORIGINATOR_ID': originatorId, '@ORIGIN_ID': chunk },
      // ORIGINATOR_ID is selected too so a portal that ignored the filter cannot produce a false match.
      select: ['ID', 'ORIGIN_ID', 'ORIGINATOR_ID'],
      order: { ID: 'ASC' }
    }, leadOriginItemSchema)
    for (const row of rows) {
      if (row.ORIGINATOR_ID !== undefined && row.ORIGINATOR_ID !== null && row.ORIGINATOR_ID !== originatorId) continue
      const origin = row.ORIGIN_ID
      if (origin === undefined || origin === null || !chunkSet.has(origin)) continue
      const known = found.get(origin)
      if (known === undefined || row.ID < known) found.set(origin, row.ID)
    }
  }
  return found
}

/** crm.lead.fields: every field the portal knows, with type, flags, title and enumeration items. */
export async function leadFields (call: CallFn): Promise<Record<string, LeadFieldInfo>> {
  const reply = await call('crm.lead.fields', {}, leadFieldsSchema as z.ZodType<Record<string, LeadFieldInfo>>)
  return reply.result
}

/** crm.status.list for one dictionary, e.g. STATUS (lead stages) or SOURCE. */
export async function statusList (call: CallFn, entityId: string): Promise<StatusItem[]> {
  return await listAll(call, 'crm.status.list', { filter: { ENTITY_ID: entityId }, order: { SORT: 'ASC' } }, statusItemSchema)
}
