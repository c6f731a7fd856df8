/** Readers for typed values: amounts, birth dates, user ids, phone numbers and e-mail addresses. */
import { domainToASCII } from 'node:url'
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js'

// Currency marks people type around an amount; anything else left over makes the amount unreadable.
const CURRENCY_MARK = /^(?:₽|\$|€|£|₸|₴|руб(?:\.|лей|ля|ль)?|р\.?|rub|rur|usd|eur)|(?:₽|\$|€|£|₸|₴|руб(?:\.|лей|ля|ль)?|р\.?|rub|rur|usd|eur)$/giu

const AMOUNT_MAX_CHARS = 64

/**
 * Reads an amount the way people type it: "1 500,50", "1500.50", "1 500 ₽", "$1,500.50" → 1500.5.
 * A lone comma is the decimal mark, except in English forms where "1,500" means fifteen hundred.
 */
export function parseAmount (typed: string, language: 'ru' | 'en' = 'ru'): number | undefined {
  // No amount is longer; the bound also keeps the mark-stripping loop below linear in practice.
  if (typed.length > AMOUNT_MAX_CHARS) return undefined
  let text = typed.replace(/[\s\u00A0\u202F']/g, '')
  let previous: string
  do {
    previous = text
    text = text.replace(CURRENCY_MARK, '')
  } while (text !== previous)
  if (!/^[\d.,]+$/.test(text) || !/\d/.test(text)) return undefined

  const lastComma = text.lastIndexOf(',')
  const lastDot = text.lastIndexOf('.')
  let normalized: string
  if (lastComma >= 0 && lastDot >= 0) {
    // Both marks: the later one is the decimal mark, the other groups thousands.
    const [group, decimal] = lastComma > lastDot ? [/\./g, ','] : [/,/g, '.']
    normalized = text.replace(group, '').replace(decimal, '.')
  } else if (lastComma >= 0) {
    const grouped = (text.match(/,/g) ?? []).length > 1 || (language === 'en' && /^\d{1,3}(,\d{3})+$/.test(text))
    normalized = grouped ? text.replace(/,/g, '') : text.replace(',', '.')
  } else {
    normalized = (text.match(/\./g) ?? []).length > 1 ? text.replace(/\./g, '') : text
  }
  if (!/^\d+(\.\d+)?$/.test(normalized)) return undefined
  const amount = Number(normalized)
  return Number.isFinite(amount) ? amount : undefined
}

/** Reads dd.mm.yyyy or yyyy-mm-dd into yyyy-mm-dd; impossible dates (31.02) and future ones are refused. */
export function parseBirthdate (typed: string, now: Date): string | undefined {
  const text = typed.trim()
  let match = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(text)
  let year: number, month: number, day: number
  if (match !== null) {
    [day, month, year] = [Number(match[1]), Number(match[2]), Number(match[3])]
  } else {
    // An HTML date input posts yyyy-mm-dd; a time part after it is ignored.
    match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ][\d:.+\-Z]*)?$/.exec(text)
    if (match === null) return undefined
    ;[year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  }
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined
  if (year < 1900 || date.getTime() > now.getTime()) return undefined
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`
}

/** A positive integer id (user, contact, company), typed as text or given as a number. */
export function parsePositiveId (value: string | number | boolean): number | undefined {
  if (typeof value === 'boolean') return undefined
  const text = String(value).trim()
  if (!/^\d+$/.test(text)) return undefined
  const id = Number(text)
  return Number.isSafeInteger(id) && id > 0 ? id : undefined
}

const PHONE_MAX_CHARS = 64

/**
 * E.164 for a number that parses as valid ("8 (900) 123-45-67" in RU → "+79001234567"), keeping an
 * extension; anything else is kept as typed, because a manager can still call a number we cannot read.
 */
export function normalizePhone (typed: string, defaultCountry: string): string {
  const text = typed.trim()
  // Longer text is not one phone number; libphonenumber would refuse it anyway, after reading it all.
  if (text.length > PHONE_MAX_CHARS) return text
  const country = isSupportedCountry(defaultCountry) ? defaultCountry : undefined
  // extract: false — the whole value must be a number; "звонить после 18:00 на 8900…" stays text.
  const phone = parsePhoneNumberFromString(text, { defaultCountry: country, extract: false })
  if (phone === undefined || !phone.isValid()) return text
  return phone.ext !== undefined ? `${phone.number} ext. ${phone.ext}` : phone.number
}

// The portal's own check: RFC 5322 atoms in the local part, ASCII labels and a 2–20 character TLD.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/
const ASCII_DOMAIN = /^([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)+[a-z0-9-]{2,20}$/

/**
 * A checked e-mail address, or undefined. The domain is lowercased; a Cyrillic domain (почта.рф) is
 * stored in its ASCII form, since the portal's e-mail check accepts only ASCII and refuses the lead otherwise.
 */
export function normalizeEmail (typed: string): string | undefined {
  const text = typed.trim().replace(/^mailto:/i, '')
  const at = text.lastIndexOf('@')
  if (at <= 0 || at === text.length - 1) return undefined
  const local = text.slice(0, at)
  if (local.length > 64 || text.length - at - 1 > 253 || !LOCAL_PART.test(local)) return undefined
  const domain = domainToASCII(text.slice(at + 1))
  if (domain === '' || domain.length > 253 || !ASCII_DOMAIN.test(domain)) return undefined
  const address = `${local}@${domain}`
  return address.length <= 254 ? address : undefined
}
