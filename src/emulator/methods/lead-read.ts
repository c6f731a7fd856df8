/** How a stored lead looks in crm.lead.get and crm.lead.list: ids and numbers as strings, empty strings as null. */
import { isoWithOffset } from '../envelope.ts'
import { isRecord, scalarString } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import type { StoredLead, StoredMultiValue } from '../types.ts'
import { MULTIFIELDS, STANDARD_FIELD_NAMES, isMultiField, isUserFieldName, standardField } from './lead-fields.ts'
import { parseDateValue } from './dates.ts'
import { leadSemantic } from './status-data.ts'

export type ApiLead = Record<string, unknown>

const multiOut = (typeId: string, items: StoredMultiValue[]): ApiLead[] =>
  items.map(i => ({ ID: String(i.ID), VALUE_TYPE: i.VALUE_TYPE, VALUE: i.VALUE, TYPE_ID: typeId }))

const nullable = (v: unknown): string | null => {
  const s = scalarString(v)
  return s === '' ? null : s
}

function dateOut (v: unknown, type: string, state: PortalState): string | null {
  const ms = parseDateValue(v)
  if (ms === null) return type === 'date' ? '' : null
  if (type === 'date') {
    const day = new Date(ms).toISOString().slice(0, 10)
    return state.settings.quirks.birthdateOutput === 'date' ? day : `${day}T00:00:00+00:00`
  }
  return isoWithOffset(ms)
}

function computed (name: string, lead: StoredLead, state: PortalState): unknown {
  const f = lead.fields
  const has = (k: string): string => ((f[k] as unknown[] | undefined)?.length ?? 0) > 0 ? 'Y' : 'N'
  switch (name) {
    case 'ID': return String(lead.ID)
    case 'HAS_PHONE': return has('PHONE')
    case 'HAS_EMAIL': return has('EMAIL')
    case 'HAS_IMOL': return (f.IM ?? []).some(i => i.VALUE_TYPE === 'IMOL') ? 'Y' : 'N'
    case 'STATUS_SEMANTIC_ID': return leadSemantic(state, f.STATUS_ID)
    case 'IS_RETURN_CUSTOMER': {
      const linked = nullable(f.COMPANY_ID) !== null || nullable(f.CONTACT_ID) !== null ||
        (Array.isArray(f.CONTACT_IDS) && f.CONTACT_IDS.length > 0)
      return linked ? 'Y' : 'N'
    }
    case 'OPPORTUNITY': return Number(scalarString(f.OPPORTUNITY) || 0).toFixed(2)
    case 'OPENED': case 'IS_MANUAL_OPPORTUNITY': return nullable(f[name]) ?? 'N'
    case 'CONTACT_IDS': return Array.isArray(f.CONTACT_IDS) ? f.CONTACT_IDS.map(scalarString) : []
    default: return undefined
  }
}

/** One field in API form. */
export function fieldOut (name: string, lead: StoredLead, state: PortalState): unknown {
  const c = computed(name, lead, state)
  if (c !== undefined) return c
  const value = lead.fields[name]
  if (isMultiField(name)) return multiOut(name, (value as StoredMultiValue[] | undefined) ?? [])
  // File fields hold {id, showUrl, downloadUrl} objects; those are returned as they are.
  if (isUserFieldName(name)) {
    if (Array.isArray(value)) return value.map(v => isRecord(v) ? v : scalarString(v))
    return value === undefined ? null : value
  }
  const def = standardField(name)
  if (def !== undefined && (def.type === 'date' || def.type === 'datetime')) return dateOut(value, def.type, state)
  return nullable(value)
}

/** User field names to report: the configured ones plus any UF_CRM_* this lead carries. */
function userFieldNames (lead: StoredLead, state: PortalState): string[] {
  const names = new Set(state.settings.userFields.map(u => u.name))
  for (const key of Object.keys(lead.fields)) if (isUserFieldName(key)) names.add(key)
  return [...names]
}

/** The selectable names for a list `select`: '*' = standard scalars, 'UF_*' = user fields, others by name. */
export function resolveSelect (select: string[], lead: StoredLead, state: PortalState): string[] {
  const wanted = select.length === 0 ? ['*'] : select
  const names = new Set<string>(['ID'])
  for (const item of wanted) {
    if (item === '*') STANDARD_FIELD_NAMES.filter(n => !isMultiField(n)).forEach(n => names.add(n))
    else if (item === 'UF_*') userFieldNames(lead, state).forEach(n => names.add(n))
    else if (standardField(item) !== undefined || isUserFieldName(item)) names.add(item)
  }
  return [...names]
}

/** crm.lead.get: every standard scalar, user fields, and multifields that hold values. */
export function leadForGet (lead: StoredLead, state: PortalState): ApiLead {
  const out: ApiLead = {}
  for (const name of STANDARD_FIELD_NAMES) {
    if (isMultiField(name)) continue
    out[name] = fieldOut(name, lead, state)
  }
  for (const name of userFieldNames(lead, state)) out[name] = fieldOut(name, lead, state)
  for (const typeId of MULTIFIELDS) {
    const items = lead.fields[typeId]
    if (items !== undefined && items.length > 0) out[typeId] = multiOut(typeId, items)
  }
  return out
}

export function leadForList (lead: StoredLead, state: PortalState, select: string[]): ApiLead {
  const out: ApiLead = {}
  for (const name of resolveSelect(select, lead, state)) out[name] = fieldOut(name, lead, state)
  return out
}
