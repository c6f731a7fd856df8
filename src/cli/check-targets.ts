/**
 * Which portal fields a form writes (mapped fields, constants, product URL/name, click-id and analytics
 * targets), and whether a custom field's type can hold what the relay sends. Pure: `check` feeds
 * it the portal's crm.lead.fields.
 */
import type { LeadFieldInfo } from '../bitrix/schemas.ts'
import type { FormConfig } from '../config/schema.ts'
import { resolveTarget, type LeadTarget } from '../mapping/index.ts'

export type Level = 'ok' | 'warn' | 'error'

export interface Finding {
  level: Level
  /** The config key the finding is about, e.g. forms.contact.fields.city. */
  key: string
  message: string
  portal?: string
}

export interface WrittenField {
  key: string
  /** The portal field: PHONE for PHONE_MOBILE, the UF_CRM_ name for custom fields. */
  field: string
  target: LeadTarget
  /** Set for `defaults`: the same value on every lead. */
  constant?: string | number | boolean
}

/** Every portal field a form writes, with the config key that makes it write there. */
export function writtenFields (formId: string, form: FormConfig): WrittenField[] {
  const at = `forms.${formId}`
  const out: WrittenField[] = []
  const add = (key: string, name: string, constant?: string | number | boolean): void => {
    const target = resolveTarget(name)
    if (target === undefined) return // the config loader has refused unknown names already
    out.push({ key, field: target.field, target, ...(constant !== undefined ? { constant } : {}) })
  }
  for (const [formField, name] of Object.entries(form.fields)) add(`${at}.fields.${formField}`, name)
  for (const [name, value] of Object.entries(form.defaults)) add(`${at}.defaults.${name}`, name, value)
  if (form.productUrl.target !== undefined) add(`${at}.productUrl.target`, form.productUrl.target)
  const productName = (form as { productName?: { target?: string } }).productName
  if (productName?.target !== undefined) add(`${at}.productName.target`, productName.target)
  if (form.clickIdTarget !== undefined) add(`${at}.clickIdTarget`, form.clickIdTarget)
  for (const [key, target] of Object.entries(form.analytics)) if (target !== undefined) add(`${at}.analytics.${key}`, target)
  return out
}

// Types whose values cannot be made from form text at all.
const NEVER_TEXT = new Set([
  'file', 'employee', 'crm', 'iblock_element', 'iblock_section', 'resourcebooking', 'hlblock', 'crm_status', 'video', 'disk_file'
])
const isNumber = (v: unknown): boolean => typeof v === 'number' || (typeof v === 'string' && /^-?\d+([.,]\d+)?$/.test(v.trim()))

/** Can a custom (UF_CRM_*) field of this type hold what the relay sends? Undefined when it can. */
export function customFieldFit (w: WrittenField, info: LeadFieldInfo): Omit<Finding, 'key'> | undefined {
  const type = info.type
  const c = w.constant
  if (type === 'string' || type === 'url' || type === 'address') return undefined
  if (NEVER_TEXT.has(type)) {
    return { level: 'error', message: `${w.field} is a ${type} field; it cannot hold text from a form` }
  }
  if (type === 'enumeration') {
    const items = info.items ?? []
    const list = items.slice(0, 12).map(i => `${i.ID}=${i.VALUE}`).join(', ') || 'no items'
    if (c !== undefined) {
      const ok = items.some(i => i.ID === String(c) || i.VALUE === String(c))
      return ok ? undefined : { level: 'error', message: `'${String(c)}' is not an item of the list field ${w.field} (${list})` }
    }
    return { level: 'warn', message: `${w.field} is a list field: the portal keeps only item ids (${list}) and drops other text` }
  }
  if (type === 'integer' || type === 'double') {
    if (c !== undefined) {
      return isNumber(c) ? undefined : { level: 'error', message: `${w.field} holds numbers; '${String(c)}' is not one` }
    }
    return { level: 'warn', message: `${w.field} holds numbers (${type}): text that is not a number is dropped by the portal` }
  }
  if (type === 'boolean') {
    if (c !== undefined) return /^(Y|N|0|1|true|false)$/i.test(String(c)) ? undefined : { level: 'error', message: `${w.field} is yes/no; '${String(c)}' is neither` }
    return { level: 'warn', message: `${w.field} is yes/no: send Y/N or 1/0` }
  }
  if (type === 'date' || type === 'datetime') {
    return { level: 'warn', message: `${w.field} holds a ${type}: other text is dropped by the portal` }
  }
  if (type === 'money') return { level: 'warn', message: `${w.field} holds money as "amount|CURRENCY" (e.g. 1500|RUB)` }
  return { level: 'warn', message: `${w.field} has type ${type}, which the relay does not know; check a test lead` }
}

/** The closest known field names, for "did you mean": same name in another case, else the nearest by edit distance. */
export function suggest (name: string, known: readonly string[]): string[] {
  const upper = name.toUpperCase()
  const same = known.filter(k => k.toUpperCase() === upper && k !== name)
  if (same.length > 0) return same
  const pool = name.startsWith('UF_') ? known.filter(k => k.startsWith('UF_')) : known
  const scored = pool.map(k => ({ k, d: distance(upper, k.toUpperCase()) }))
    .filter(s => s.d <= Math.max(2, Math.floor(name.length / 4)))
    .sort((a, b) => a.d - b.d)
  return scored.slice(0, 3).map(s => s.k)
}

function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = tmp
    }
  }
  return row[b.length] ?? 0
}
