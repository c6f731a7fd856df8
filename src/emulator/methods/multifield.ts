/** Multifields (PHONE, EMAIL, WEB, IM, LINK): write-format normalisation, validation and matching keys. */
import type { StoredMultiValue } from '../types.ts'
import { isRecord, scalarString, toList } from '../request-params.ts'

export const VALUE_TYPES: Record<string, readonly string[]> = {
  PHONE: ['WORK', 'MOBILE', 'FAX', 'HOME', 'PAGER', 'MAILING', 'OTHER'],
  EMAIL: ['WORK', 'HOME', 'MAILING', 'OTHER'],
  WEB: ['WORK', 'HOME', 'FACEBOOK', 'VK', 'LIVEJOURNAL', 'TWITTER', 'OTHER'],
  IM: ['FACEBOOK', 'TELEGRAM', 'VK', 'SKYPE', 'VIBER', 'INSTAGRAM', 'BITRIX24', 'OPENLINE', 'IMOL', 'ICQ', 'MSN', 'JABBER', 'OTHER'],
  LINK: ['USER', 'OTHER']
}

const MAX_VALUE_LENGTH = 250

export interface MultiInput { VALUE: string, VALUE_TYPE: string }

/** IM defaults to OTHER, every other type to WORK (GetDefaultValueType). */
export function defaultValueType (typeId: string): string {
  return typeId === 'IM' ? 'OTHER' : 'WORK'
}

/** Trim values, drop empty or DELETE=Y items and fill a missing VALUE_TYPE. Non-object items are ignored. */
export function normalizeMultiField (typeId: string, raw: unknown): MultiInput[] {
  const out: MultiInput[] = []
  for (const item of toList(raw)) {
    if (!isRecord(item)) continue
    if (scalarString(item.DELETE).toUpperCase() === 'Y') continue
    const value = scalarString(item.VALUE).trim()
    if (value === '') continue
    const valueType = scalarString(item.VALUE_TYPE).trim()
    out.push({ VALUE: value, VALUE_TYPE: valueType === '' ? defaultValueType(typeId) : valueType })
  }
  return out
}

const TYPE_LABEL: Record<string, string> = { PHONE: 'phone', EMAIL: 'e-mail', WEB: 'website', IM: 'messenger', LINK: 'link' }

// The core names the field after the pair, e.g. PHONE_WORK → "Work phone".
function pairLabel (typeId: string, valueType: string): string {
  const vt = valueType.charAt(0) + valueType.slice(1).toLowerCase()
  return `${vt} ${TYPE_LABEL[typeId] ?? typeId.toLowerCase()}`
}

// A port of the core's non-strict check_email: "Name <a@b.c>" is accepted by its address part.
const EMAIL_RE = /^[=_.0-9a-z+~'!$&*^`|#%/?{}-]+@(([-0-9a-z_]+\.)+)([a-z0-9-]{2,20})$/i

export function isValidEmail (value: string): boolean {
  const angle = /<([^<>]+)>\s*$/.exec(value)
  const address = (angle?.[1] ?? value).trim()
  return EMAIL_RE.test(address)
}

/** The legacy CheckComplexFields rules, plus an optional VALUE_TYPE check for a stricter portal. */
export function validateMultiField (typeId: string, items: MultiInput[], strict: boolean): string[] {
  const errors: string[] = []
  for (const item of items) {
    const label = pairLabel(typeId, item.VALUE_TYPE)
    if (item.VALUE.length > MAX_VALUE_LENGTH) {
      errors.push(`The "${label}" field value is too long (maximum ${MAX_VALUE_LENGTH} characters).`)
    }
    if (typeId === 'EMAIL' && !isValidEmail(item.VALUE)) errors.push(`The "${label}" field contains an invalid e-mail address.`)
    if (strict && !(VALUE_TYPES[typeId] ?? []).includes(item.VALUE_TYPE)) {
      errors.push(`The value type "${item.VALUE_TYPE}" is not supported for ${typeId}.`)
    }
  }
  return errors
}

export function withIds (items: MultiInput[], nextId: () => number): StoredMultiValue[] {
  return items.map(i => ({ ID: nextId(), VALUE: i.VALUE, VALUE_TYPE: i.VALUE_TYPE }))
}

/** Key used to compare phones: digits only, extension ignored (as duplicate search does). */
export function phoneKey (value: string): string {
  // An extension sits at the end: only the tail is searched, so long runs of spaces cost no rescans.
  const cut = Math.max(0, value.length - 32)
  const tail = value.slice(cut)
  const main = value.slice(0, cut) + (tail.split(/\s*(?:ext\.?|x|доб\.?|#|,|;)\s*\d*\s*$/i)[0] ?? tail)
  return main.replace(/\D+/g, '')
}

export function emailKey (value: string): string {
  return value.trim().toLowerCase()
}
