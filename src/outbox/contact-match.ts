/** Does a stored object hold this e-mail or phone? Used by personal-data erase across stores. */
import { StoreError } from './errors.ts'
import { normalizePhone } from '../mapping/values.ts'
import { phoneSpans } from '../text/contact-spans.ts'
import type { ContactQuery } from './admin-types.ts'

/** Is this e-mail or phone anywhere in a stored payload or meta object (values only, any depth)? */
export function contactMatcher (query: ContactQuery): (value: unknown) => boolean {
  const email = query.email?.trim().toLowerCase()
  const country = query.defaultCountry ?? 'RU'
  const phone = query.phone === undefined ? undefined : phoneKey(query.phone, country)
  if ((email === undefined || email === '') && (phone === undefined || phone === '')) {
    throw new StoreError('RELAY_ERR_STORE_INPUT', 'Give an e-mail or a phone to erase')
  }
  // An address inside longer text counts ("write to anna@example.com"), a longer address does not.
  const emailRe = email === undefined || email === ''
    ? undefined
    : new RegExp(`(^|[^a-z0-9._%+-])${email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9-]|\\.(?![a-z0-9]))`, 'i')
  const text = (s: string): boolean => {
    if (emailRe?.test(s) === true) return true
    if (phone === undefined || phone === '') return false
    for (const span of phoneSpans(s, { dots: true })) {
      if (span.end - span.start >= 7 && phoneKey(s.slice(span.start, span.end), country) === phone) return true
    }
    return false
  }
  const walk = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return text(value)
    if (depth > 8 || value === null || typeof value !== 'object') return false
    return Object.values(value).some(v => walk(v, depth + 1))
  }
  return value => walk(value, 0)
}

/** E.164 when the number parses, else its digits: the same person's number typed two ways compares equal. */
function phoneKey (typed: string, country: string): string {
  const normal = normalizePhone(typed, country)
  return normal.startsWith('+') ? normal.replace(/ ext\..*$/, '') : typed.replace(/\D/g, '')
}
