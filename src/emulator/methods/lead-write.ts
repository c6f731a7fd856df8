/** crm.lead.add's field handling: drop unknown and read-only keys, normalise values, validate, apply defaults. */
import { isoWithOffset } from '../envelope.ts'
import { crmError, crmValidationError } from '../rest-error.ts'
import { isRecord, isTruthy, scalarString } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import type { StoredLead, StoredLeadFields } from '../types.ts'
import { IMPORT_WRITABLE, isMultiField, isUserFieldName, standardField } from './lead-fields.ts'
import { normalizeMultiField, validateMultiField, withIds, type MultiInput } from './multifield.ts'
import { sanitizeCommentsHtml } from './comments-html.ts'
import { parseDateValue } from './dates.ts'
import { statusesOf } from './status-data.ts'

/** `,` → `.`, spaces removed, then digits with an optional fraction (legacy CheckFields), or null. */
export function normalizeOpportunity (value: unknown): string | number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  const text = scalarString(value).replace(/,/g, '.').replace(/\s+/g, '')
  if (text === '') return 0
  return /^\d+(\.\d+)?$/.test(text) ? text : null
}

function stripHtml (value: unknown): unknown {
  return typeof value === 'string' ? sanitizeCommentsHtml(value) : value
}

interface Draft {
  kept: Record<string, unknown>
  multi: Record<string, MultiInput[]>
  errors: string[]
}

function internalize (fields: Record<string, unknown>, isImport: boolean, state: PortalState): Draft {
  const q = state.settings.quirks
  const draft: Draft = { kept: {}, multi: {}, errors: [] }
  for (const [key, value] of Object.entries(fields)) {
    if (isMultiField(key)) {
      const items = normalizeMultiField(key, value)
      draft.errors.push(...validateMultiField(key, items, q.strictLeadValidation))
      if (items.length > 0) draft.multi[key] = items
      continue
    }
    // TRACE is injected as an immutable string by the add handler and handed to tracking as is.
    if (isUserFieldName(key) || key === 'TRACE') {
      draft.kept[key] = value
      continue
    }
    const def = standardField(key)
    if (def === undefined || key === 'ID') continue
    if (def.ro === true && !(isImport && IMPORT_WRITABLE.has(key))) continue
    if (def.type === 'date' || def.type === 'datetime') {
      // "" clears the field; an unparseable date is dropped without an error.
      if (parseDateValue(value) !== null) draft.kept[key] = value
      continue
    }
    if (key === 'OPPORTUNITY') {
      const amount = normalizeOpportunity(value)
      if (amount === null) draft.errors.push(`The field "${def.title}" is incorrect.`)
      else draft.kept[key] = amount
      continue
    }
    draft.kept[key] = key === 'COMMENTS' && q.commentsHtml === 'strip' ? stripHtml(value) : value
  }
  return draft
}

function checkRequired (draft: Draft, state: PortalState): void {
  const q = state.settings.quirks
  if (q.requireTitle && scalarString(draft.kept.TITLE).trim() === '') draft.errors.push('The field "Lead name" is required.')
  if (q.strictLeadValidation) {
    for (const [key, entity] of [['STATUS_ID', 'STATUS'], ['SOURCE_ID', 'SOURCE']] as const) {
      const v = draft.kept[key]
      if (v !== undefined && v !== '' && !statusesOf(state, entity).some(s => s.STATUS_ID === scalarString(v))) {
        draft.errors.push(`The field "${standardField(key)?.title ?? key}" is incorrect.`)
      }
    }
  }
  if (q.requiredUserFieldCheck) {
    for (const uf of state.settings.userFields) {
      if (uf.mandatory === true && scalarString(draft.kept[uf.name]).trim() === '') {
        draft.errors.push(`The field "${uf.label ?? uf.name}" is required.`)
      }
    }
  }
}

/** Validate and store one lead; returns its id. Throws a RestError (400, error "") on bad input. */
export function addLead (state: PortalState, sent: unknown, extra: unknown, viaBatch: boolean): number {
  if (!isRecord(sent)) throw crmError("Parameter 'fields' must be array.")
  if (!isRecord(extra)) throw crmError("Parameter 'params' must be array.")
  const isImport = isTruthy(extra.IMPORT)
  const draft = internalize(sent, isImport, state)
  checkRequired(draft, state)
  if (draft.errors.length > 0) throw crmValidationError(draft.errors, state.settings.quirks)

  const id = state.nextLeadId()
  const now = isoWithOffset(Date.now())
  const userId = state.settings.userId
  const kept = draft.kept
  const title = scalarString(kept.TITLE).trim()
  const fields: StoredLeadFields = {
    ...kept,
    TITLE: title === '' ? `Lead #${id}` : scalarString(kept.TITLE),
    STATUS_ID: kept.STATUS_ID === undefined || kept.STATUS_ID === '' ? startStatus(state) : scalarString(kept.STATUS_ID),
    CURRENCY_ID: kept.CURRENCY_ID === undefined || kept.CURRENCY_ID === '' ? state.settings.currency : kept.CURRENCY_ID,
    OPPORTUNITY: kept.OPPORTUNITY ?? 0,
    ASSIGNED_BY_ID: kept.ASSIGNED_BY_ID ?? userId,
    CREATED_BY_ID: kept.CREATED_BY_ID ?? userId,
    MODIFY_BY_ID: kept.MODIFY_BY_ID ?? userId,
    DATE_CREATE: typeof kept.DATE_CREATE === 'string' ? kept.DATE_CREATE : now,
    DATE_MODIFY: typeof kept.DATE_MODIFY === 'string' ? kept.DATE_MODIFY : now
  }
  for (const [typeId, items] of Object.entries(draft.multi)) {
    fields[typeId] = withIds(items, () => state.nextMultiValueId())
  }
  const lead: StoredLead = { ID: id, fields, sent: structuredClone(sent), params: structuredClone(extra), viaBatch }
  state.saveLead(lead)
  return id
}

function startStatus (state: PortalState): string {
  return statusesOf(state, 'STATUS')[0]?.STATUS_ID ?? 'NEW'
}
