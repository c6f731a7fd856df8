/** What a mapping target name (NAME, PHONE_MOBILE, UF_CRM_…) means for a crm.lead.add `fields` object. */
import { USER_FIELD_PATTERN } from '../domain/lead-fields.ts'

export { USER_FIELD_PATTERN }

export type MultiFieldType = 'PHONE' | 'EMAIL' | 'WEB' | 'IM'
export type DictionaryName = 'STATUS_ID' | 'SOURCE_ID' | 'CURRENCY_ID' | 'PRODUCT_ID'

/** How a scalar lead field's value is read from text. */
export type ScalarType = 'text' | 'date' | 'amount' | 'id' | 'dictionary'

export type LeadTarget =
  | { readonly kind: 'scalar', readonly field: string, readonly type: ScalarType }
  | { readonly kind: 'multi', readonly field: MultiFieldType, readonly valueType: string }
  | { readonly kind: 'custom', readonly field: string }

/** VALUE_TYPE values the portal knows per multifield; the REST layer does not check them, so we do. */
export const MULTIFIELD_VALUE_TYPES: Readonly<Record<MultiFieldType, readonly string[]>> = {
  PHONE: ['WORK', 'MOBILE', 'FAX', 'HOME', 'PAGER', 'MAILING', 'OTHER'],
  EMAIL: ['WORK', 'HOME', 'MAILING', 'OTHER'],
  WEB: ['WORK', 'HOME', 'FACEBOOK', 'VK', 'LIVEJOURNAL', 'TWITTER', 'OTHER'],
  IM: ['FACEBOOK', 'TELEGRAM', 'VK', 'SKYPE', 'VIBER', 'INSTAGRAM', 'BITRIX24', 'OPENLINE', 'IMOL', 'ICQ', 'MSN', 'JABBER', 'OTHER']
}

/** The portal's own default when VALUE_TYPE is left out: WORK, and OTHER for messengers. */
const DEFAULT_VALUE_TYPE: Readonly<Record<MultiFieldType, string>> = {
  PHONE: 'WORK',
  EMAIL: 'WORK',
  WEB: 'WORK',
  IM: 'OTHER'
}

const SCALAR_FIELDS: Readonly<Record<string, ScalarType>> = {
  TITLE: 'text',
  HONORIFIC: 'text',
  NAME: 'text',
  LAST_NAME: 'text',
  SECOND_NAME: 'text',
  BIRTHDATE: 'date',
  ADDRESS: 'text',
  ADDRESS_2: 'text',
  ADDRESS_CITY: 'text',
  ADDRESS_COUNTRY: 'text',
  ADDRESS_COUNTRY_CODE: 'text',
  ADDRESS_POSTAL_CODE: 'text',
  ADDRESS_PROVINCE: 'text',
  ADDRESS_REGION: 'text',
  COMPANY_TITLE: 'text',
  POST: 'text',
  COMMENTS: 'text',
  SOURCE_DESCRIPTION: 'text',
  STATUS_DESCRIPTION: 'text',
  OPPORTUNITY: 'amount',
  CURRENCY_ID: 'dictionary',
  PRODUCT_ID: 'dictionary',
  SOURCE_ID: 'dictionary',
  STATUS_ID: 'dictionary',
  ASSIGNED_BY_ID: 'id',
  // Links to existing CRM records: CONTACT_ID is a contact (the old field table calls it a company).
  CONTACT_ID: 'id',
  COMPANY_ID: 'id',
  UTM_CAMPAIGN: 'text',
  UTM_CONTENT: 'text',
  UTM_MEDIUM: 'text',
  UTM_SOURCE: 'text',
  UTM_TERM: 'text'
}

function buildTargets (): Record<string, LeadTarget> {
  const targets: Record<string, LeadTarget> = {}
  for (const [field, type] of Object.entries(SCALAR_FIELDS)) {
    targets[field] = { kind: 'scalar', field, type }
  }
  for (const field of Object.keys(MULTIFIELD_VALUE_TYPES) as MultiFieldType[]) {
    targets[field] = { kind: 'multi', field, valueType: DEFAULT_VALUE_TYPE[field] }
    for (const valueType of MULTIFIELD_VALUE_TYPES[field]) {
      targets[`${field}_${valueType}`] = { kind: 'multi', field, valueType }
    }
  }
  // The widely copied lead field table spells IM_SKYPE as M_SKYPE; configs copied from it must work.
  targets.M_SKYPE = { kind: 'multi', field: 'IM', valueType: 'SKYPE' }
  return targets
}

/** Every known target name (upper case) and its meaning. UF_CRM_* names are open-ended and not listed. */
export const LEAD_TARGETS: Readonly<Record<string, LeadTarget>> = Object.freeze(buildTargets())

/** Reads a target name from the config; case and surrounding spaces are forgiven. Undefined when unknown. */
export function resolveTarget (name: string): LeadTarget | undefined {
  const key = name.trim().toUpperCase()
  if (Object.hasOwn(LEAD_TARGETS, key)) return LEAD_TARGETS[key]
  if (USER_FIELD_PATTERN.test(key)) return { kind: 'custom', field: key }
  return undefined
}
