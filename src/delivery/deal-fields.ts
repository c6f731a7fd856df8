/**
 * `entity: deal`: the mapped lead fields split between a contact (the person: names, phones,
 * e-mails, address) and a deal (the request: title, amount, comments, source, UTM, user fields).
 * Lead-only fields (STATUS_ID, PRODUCT_ID, STATUS_DESCRIPTION) have no place on either and are left out.
 */
import type { LeadFields } from '../domain/lead-fields.ts'
import { appendComments } from '../mapping/rich-text.ts'

const CONTACT_ONLY = new Set([
  'NAME', 'LAST_NAME', 'SECOND_NAME', 'HONORIFIC', 'BIRTHDATE', 'POST', 'ADDRESS', 'ADDRESS_2', 'ADDRESS_CITY',
  'ADDRESS_COUNTRY', 'ADDRESS_COUNTRY_CODE', 'ADDRESS_POSTAL_CODE', 'ADDRESS_PROVINCE', 'ADDRESS_REGION',
  'PHONE', 'EMAIL', 'WEB', 'IM'
])
const SHARED = new Set([
  'ASSIGNED_BY_ID', 'SOURCE_ID', 'SOURCE_DESCRIPTION', 'ORIGINATOR_ID', 'ORIGIN_ID',
  'UTM_SOURCE', 'UTM_MEDIUM', 'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_TERM'
])
// TRACE goes with the deal: the record the ad brought, and the one end-to-end analytics reports on.
const DEAL_ONLY = new Set(['TITLE', 'OPPORTUNITY', 'CURRENCY_ID', 'COMMENTS', 'COMPANY_ID', 'CONTACT_ID', 'TRACE'])

export function contactFields (fields: LeadFields): LeadFields {
  const out: LeadFields = {}
  for (const [key, value] of Object.entries(fields)) if (CONTACT_ONLY.has(key) || SHARED.has(key)) out[key] = value
  return out
}

export function dealFields (fields: LeadFields, language: 'ru' | 'en'): LeadFields {
  const out: LeadFields = {}
  for (const [key, value] of Object.entries(fields)) {
    if (DEAL_ONLY.has(key) || SHARED.has(key) || key.startsWith('UF_CRM_')) out[key] = value
  }
  // A deal has no company name field; unless a company was linked, keep it readable in COMMENTS.
  if (typeof fields.COMPANY_TITLE === 'string' && fields.COMPANY_TITLE !== '' && out.COMPANY_ID === undefined) {
    out.COMMENTS = appendComments(out.COMMENTS, [`${language === 'ru' ? 'Компания' : 'Company'}: ${fields.COMPANY_TITLE}`])
  }
  return out
}
