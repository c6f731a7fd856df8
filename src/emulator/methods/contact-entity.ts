/** add / get / list / update shared by contacts, companies and deals: multifields like a lead's, the rest kept as sent. */
import type { EntityKind } from '../crm-store.ts'
import { isoWithOffset } from '../envelope.ts'
import { crmError, crmValidationError } from '../rest-error.ts'
import { isRecord, resolveArrayParam, resolveParam, scalarString, toList, type Params } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import type { StoredEntity, StoredMultiValue } from '../types.ts'
import { parseFilterKey } from './lead-filter.ts'
import { normalizeMultiField, validateMultiField, withIds, type MultiInput } from './multifield.ts'
import { recordTraceOfAdd } from './tracking.ts'
import { internalizeFileField, isFileValue } from './userfield-files.ts'

export const ENTITY_PAGE_SIZE = 50
const MULTI = ['PHONE', 'EMAIL', 'WEB', 'IM'] as const
const isMulti = (name: string): boolean => (MULTI as readonly string[]).includes(name)

/** A positive integer id from `id`/`ID`, or the portal's complaint. */
export function requireEntityId (params: Params): number {
  const raw = scalarString(resolveParam(params, 'id')).trim()
  const id = /^\d+$/.test(raw) ? Number(raw) : 0
  if (id <= 0) throw crmError('ID is not defined or invalid.')
  return id
}

interface Internalized { kept: Record<string, unknown>, multi: Record<string, MultiInput[]>, errors: string[] }

function internalize (state: PortalState, sent: Record<string, unknown>): Internalized {
  const out: Internalized = { kept: {}, multi: {}, errors: [] }
  for (const [key, value] of Object.entries(sent)) {
    if (key === 'ID') continue
    if (isMulti(key)) {
      const items = normalizeMultiField(key, value)
      out.errors.push(...validateMultiField(key, items, state.settings.quirks.strictLeadValidation))
      if (items.length > 0) out.multi[key] = items
      continue
    }
    out.kept[key] = key.startsWith('UF_CRM_') && isFileValue(value) ? internalizeFileField(state, value) : value
  }
  return out
}

/** The defaults each kind gets on add, and its own required-field check. */
function applyDefaults (kind: EntityKind, id: number, kept: Record<string, unknown>, state: PortalState): Record<string, unknown> {
  const now = isoWithOffset(Date.now())
  const base: Record<string, unknown> = {
    ...kept,
    ASSIGNED_BY_ID: kept.ASSIGNED_BY_ID ?? state.settings.userId,
    CREATED_BY_ID: state.settings.userId,
    OPENED: kept.OPENED ?? 'Y',
    DATE_CREATE: now,
    DATE_MODIFY: now
  }
  if (kind === 'deal') {
    const category = Number(scalarString(kept.CATEGORY_ID) || 0)
    base.TITLE = scalarString(kept.TITLE).trim() === '' ? `Deal #${id}` : kept.TITLE
    base.STAGE_ID = scalarString(kept.STAGE_ID) === '' ? 'NEW' : kept.STAGE_ID
    base.CATEGORY_ID = Number.isFinite(category) && category > 0 ? category : 0
    base.CURRENCY_ID = scalarString(kept.CURRENCY_ID) === '' ? state.settings.currency : kept.CURRENCY_ID
    base.OPPORTUNITY = kept.OPPORTUNITY ?? 0
    base.CLOSED = 'N'
  }
  if (kind === 'contact') base.TYPE_ID = kept.TYPE_ID ?? 'CLIENT'
  // CONTACT_ID (one) and CONTACT_IDS (many) describe the same binding.
  if (kind === 'deal' || kind === 'company') {
    const ids = toList(kept.CONTACT_IDS).map(scalarString).filter(s => s !== '')
    const single = scalarString(kept.CONTACT_ID)
    if (single !== '' && !ids.includes(single)) ids.unshift(single)
    if (ids.length > 0) { base.CONTACT_IDS = ids.map(Number); base.CONTACT_ID = Number(ids[0]) }
  }
  return base
}

export function addEntity (state: PortalState, kind: EntityKind, sent: unknown): number {
  if (!isRecord(sent)) throw crmError("Parameter 'fields' must be array.")
  const draft = internalize(state, sent)
  if (kind === 'company' && scalarString(draft.kept.TITLE).trim() === '') draft.errors.push('The field "Company name" is required.')
  if (draft.errors.length > 0) throw crmValidationError(draft.errors, state.settings.quirks)
  const id = state.crm.nextId(kind)
  const fields = applyDefaults(kind, id, draft.kept, state)
  for (const [typeId, items] of Object.entries(draft.multi)) fields[typeId] = withIds(items, () => state.nextMultiValueId())
  state.crm.save(kind, { ID: id, fields })
  recordTraceOfAdd(state, kind === 'deal' ? 'DEAL' : kind === 'contact' ? 'CONTACT' : 'COMPANY', id, sent)
  return id
}

/** crm.*.update: scalars replace, multifields are appended, file fields are saved. */
export function updateEntity (state: PortalState, kind: EntityKind, params: Params): boolean {
  const entity = state.crm.get(kind, requireEntityId(params))
  if (entity === undefined) throw crmError('Not found')
  const sent = resolveArrayParam(params, 'fields')
  if (sent === undefined) throw crmError("Parameter 'fields' must be array.")
  const draft = internalize(state, sent)
  if (draft.errors.length > 0) throw crmValidationError(draft.errors, state.settings.quirks)
  Object.assign(entity.fields, draft.kept, { DATE_MODIFY: isoWithOffset(Date.now()) })
  for (const [typeId, items] of Object.entries(draft.multi)) {
    const prev = (entity.fields[typeId] as StoredMultiValue[] | undefined) ?? []
    entity.fields[typeId] = [...prev, ...withIds(items, () => state.nextMultiValueId())]
  }
  return true
}

/** One field in API form: ids and numbers as strings, empty as null, multifields with TYPE_ID. */
function out (name: string, value: unknown): unknown {
  if (isMulti(name)) {
    const items = (value as StoredMultiValue[] | undefined) ?? []
    return items.map(i => ({ ID: String(i.ID), VALUE_TYPE: i.VALUE_TYPE, VALUE: i.VALUE, TYPE_ID: name }))
  }
  if (Array.isArray(value)) return value.map(v => isRecord(v) ? v : scalarString(v))
  const s = scalarString(value)
  return s === '' ? null : s
}

export function entityForGet (entity: StoredEntity): Record<string, unknown> {
  const result: Record<string, unknown> = { ID: String(entity.ID) }
  for (const [name, value] of Object.entries(entity.fields)) result[name] = out(name, value)
  return result
}

function entityForList (entity: StoredEntity, select: string[]): Record<string, unknown> {
  const all = entityForGet(entity)
  const wanted = select.length === 0 ? ['*'] : select
  const result: Record<string, unknown> = { ID: all.ID }
  // '*' = every scalar field, 'UF_*' = user fields, anything else by name (multifields only when named).
  for (const item of wanted) {
    const picked = item === '*'
      ? Object.entries(all).filter(([k]) => !isMulti(k) && !k.startsWith('UF_'))
      : item === 'UF_*'
        ? Object.entries(all).filter(([k]) => k.startsWith('UF_'))
        : [[item, all[item] ?? (isMulti(item) ? [] : null)] as [string, unknown]]
    for (const [k, v] of picked) result[k] = v
  }
  return result
}

function valuesOf (entity: StoredEntity, field: string): string[] {
  if (field === 'ID') return [String(entity.ID)]
  const value = entity.fields[field]
  if (isMulti(field)) return ((value as StoredMultiValue[] | undefined) ?? []).map(i => i.VALUE)
  if (Array.isArray(value)) return value.map(scalarString)
  return [scalarString(value)]
}

const same = (a: string, b: string): boolean => a === b || (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b) && Number(a) === Number(b))

/** The filter prefixes the relay and tests use: =, !, @, !@, %, >, <. */
function matches (entity: StoredEntity, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, wanted]) => {
    const { field, op } = parseFilterKey(key)
    const actual = valuesOf(entity, field)
    const list = toList(wanted).map(scalarString)
    const one = scalarString(wanted)
    const any = (pred: (v: string) => boolean): boolean => actual.length === 0 ? pred('') : actual.some(pred)
    switch (op) {
      case '=': return any(v => same(v, one))
      case '!=': return !actual.some(v => same(v, one))
      case 'in': return any(v => list.some(w => same(v, w)))
      case '!in': return !actual.some(v => list.some(w => same(v, w)))
      case 'like': return any(v => v.toLowerCase().includes(one.toLowerCase()))
      case '>': return any(v => v !== '' && Number(v) > Number(one))
      case '<': return any(v => v !== '' && Number(v) < Number(one))
      case '>=': return any(v => v !== '' && Number(v) >= Number(one))
      case '<=': return any(v => v !== '' && Number(v) <= Number(one))
      default: return any(v => same(v, one))
    }
  })
}

/** crm.*.list: filter, select, ORDER by ID (ASC or DESC), pages of 50. */
export function listEntities (state: PortalState, kind: EntityKind, params: Params): { result: unknown, total: number, next?: number } {
  const filter = resolveArrayParam(params, 'filter') ?? {}
  const order = resolveArrayParam(params, 'order') ?? {}
  const select = toList(resolveParam(params, 'select')).map(scalarString).filter(s => s !== '')
  const startRaw = Number.parseInt(scalarString(params.start ?? params.START), 10)
  const start = Number.isFinite(startRaw) && startRaw > 0 ? startRaw : 0
  let found = state.crm.list(kind).filter(e => matches(e, filter))
  if (scalarString(order.ID).toUpperCase() === 'DESC') found = found.reverse()
  const page = found.slice(start, start + ENTITY_PAGE_SIZE).map(e => entityForList(e, select))
  return { result: page, total: found.length, ...(start + ENTITY_PAGE_SIZE < found.length ? { next: start + ENTITY_PAGE_SIZE } : {}) }
}

type EntityHandler = (params: Params, state: PortalState) => { result: unknown, total?: number, next?: number }

/** Registers add / get / list / update for one kind under its REST prefix (crm.contact, crm.company, crm.deal). */
export function entityHandlers (kind: EntityKind): Record<string, EntityHandler> {
  return {
    add: (params, state) => ({ result: addEntity(state, kind, resolveArrayParam(params, 'fields') ?? resolveParam(params, 'fields')) }),
    get: (params, state) => {
      const entity = state.crm.get(kind, requireEntityId(params))
      if (entity === undefined) throw crmError('Not found')
      return { result: entityForGet(entity) }
    },
    list: (params, state) => listEntities(state, kind, params),
    update: (params, state) => ({ result: updateEntity(state, kind, params) })
  }
}
