/**
 * Simple mode (crm.settings.mode.get = 2): a new lead with NAME filled is converted at once into a
 * contact (and a company when COMPANY_TITLE is set) plus a deal with LEAD_ID, and the lead's
 * STATUS_ID becomes CONVERTED. crm.lead.add still answers with the lead id.
 */
import { scalarString } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import type { StoredMultiValue } from '../types.ts'

const copyMulti = (items: unknown): Array<{ VALUE: string, VALUE_TYPE: string }> | undefined =>
  Array.isArray(items) ? (items as StoredMultiValue[]).map(i => ({ VALUE: i.VALUE, VALUE_TYPE: i.VALUE_TYPE })) : undefined

function pick (fields: Record<string, unknown>, names: string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter(n => fields[n] !== undefined && fields[n] !== '').map(n => [n, fields[n]]))
}

function addWithIds (state: PortalState, kind: 'contact' | 'company' | 'deal', fields: Record<string, unknown>): number {
  const id = state.crm.nextId(kind)
  const stored: Record<string, unknown> = { ...fields, CREATED_BY_ID: state.settings.userId }
  for (const typeId of ['PHONE', 'EMAIL']) {
    const items = copyMulti(fields[typeId])
    if (items !== undefined) stored[typeId] = items.map(i => ({ ID: state.nextMultiValueId(), ...i }))
  }
  state.crm.save(kind, { ID: id, fields: stored })
  return id
}

/** Returns the deal id when the lead was converted. */
export function convertIfSimpleMode (state: PortalState, leadId: number): number | undefined {
  const lead = state.lead(leadId)
  if (state.crmMode !== 2 || lead === undefined) return undefined
  const f = lead.fields
  if (scalarString(f.NAME).trim() === '') return undefined
  const common = pick(f, ['ASSIGNED_BY_ID', 'SOURCE_ID', 'SOURCE_DESCRIPTION', 'OPENED', 'DATE_CREATE'])
  const person = pick(f, ['NAME', 'LAST_NAME', 'SECOND_NAME', 'HONORIFIC', 'POST', 'BIRTHDATE', 'PHONE', 'EMAIL'])
  const contactId = addWithIds(state, 'contact', { ...common, ...person, TYPE_ID: 'CLIENT', LEAD_ID: leadId })
  const companyId = scalarString(f.COMPANY_TITLE).trim() === ''
    ? undefined
    : addWithIds(state, 'company', { ...common, TITLE: f.COMPANY_TITLE, LEAD_ID: leadId })
  const dealId = addWithIds(state, 'deal', {
    ...common,
    ...pick(f, ['TITLE', 'OPPORTUNITY', 'CURRENCY_ID', 'COMMENTS', 'UTM_SOURCE', 'UTM_MEDIUM', 'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_TERM']),
    STAGE_ID: 'NEW',
    CATEGORY_ID: 0,
    CLOSED: 'N',
    LEAD_ID: leadId,
    CONTACT_ID: contactId,
    CONTACT_IDS: [contactId],
    ...(companyId !== undefined ? { COMPANY_ID: companyId } : {})
  })
  f.STATUS_ID = 'CONVERTED'
  f.CONTACT_ID = contactId
  f.CONTACT_IDS = [contactId]
  if (companyId !== undefined) f.COMPANY_ID = companyId
  return dealId
}
