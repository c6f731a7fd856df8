/**
 * Masks contact data (e-mails, phone numbers, messenger handles, IP addresses) in submissions shown
 * to operators, so a list on a shared screen does not expose visitors; `?reveal=1` shows them.
 */

const EMAIL = /([A-Za-z0-9!#$%&'*+/=?^_`{|}~-])[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})/g
// Nine digits or more: phone numbers in any notation, but not dates (8 digits) or small amounts.
const PHONE = /\+?\d[\d\s().-]{7,}\d/g
const IPV4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/

export function maskEmail (email: string): string {
  return email.replace(EMAIL, (_all, first: string, domain: string) => `${first}***@${domain}`)
}

/** Keeps the country/operator prefix and the last two digits: enough to tell numbers apart. */
export function maskPhone (phone: string): string {
  return phone.replace(PHONE, match => {
    const digits = match.replace(/\D/g, '').length
    if (digits < 9) return match
    let seen = 0
    return match.replace(/\d/g, d => {
      seen++
      return seen <= 4 || seen > digits - 2 ? d : '*'
    })
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
      return m !== null ? `${m[1] ?? ''}.x` : value.replace(/[0-9a-f]{1,4}$/i, 'x')
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
