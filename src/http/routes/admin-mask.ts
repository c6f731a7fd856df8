/**
 * Masks contact data (e-mails, phone numbers, messenger handles, IP addresses) in submissions shown
 * to operators, so a list on a shared screen does not expose visitors; `?reveal=1` shows them.
 * The scanners are linear (src/text/contact-spans.ts): stored values are visitors' text.
 */
import { digitCount, emailSpans, phoneSpans, replaceSpans } from '../../text/contact-spans.ts'

const IPV4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/

// Nine digits or more: phone numbers in any notation, but not dates (8 digits) or small amounts.
const PHONE_MIN_DIGITS = 9

export function maskEmail (email: string): string {
  return replaceSpans(email, emailSpans(email), (found, span) => `${found.charAt(0)}***${found.slice(span.at - span.start)}`)
}

/** Keeps the country/operator prefix and the last two digits: enough to tell numbers apart. */
export function maskPhone (phone: string): string {
  return replaceSpans(phone, phoneSpans(phone, { dots: true }), match => {
    const digits = digitCount(match)
    if (digits < PHONE_MIN_DIGITS) return match
    let seen = 0
    let out = ''
    for (const ch of match) {
      if (ch < '0' || ch > '9') {
        out += ch
        continue
      }
      seen++
      out += seen <= 4 || seen > digits - 2 ? ch : '*'
    }
    return out
  })
}

export function maskText (text: string): string {
  return maskPhone(maskEmail(text))
}

function maskHandle (value: string): string {
  return value.length <= 2 ? '***' : value.slice(0, 2) + '***'
}

/**
 * A deep copy with every string masked. Multifield entries of kind IM (messenger handles) are
 * masked whole; IP addresses keep their first three octets.
 */
export function maskDeep (value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if (key === 'ip') {
      const m = IPV4.exec(value)
      return m !== null ? `${m[1] ?? ''}.x` : value.replace(/[0-9a-f]{1,4}$/i, 'x') // an address: short, from the socket
    }
    return maskText(value)
  }
  if (Array.isArray(value)) {
    return value.map(v => key === 'IM' && typeof v === 'object' && v !== null && typeof (v as { VALUE?: unknown }).VALUE === 'string'
      ? { ...v, VALUE: maskHandle((v as { VALUE: string }).VALUE) }
      : maskDeep(v, key))
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, k)]))
  }
  return value
}
