/** The lead field map (crm.lead.fields): type and flags of every standard field, plus configured user fields. */
import type { Quirks, UserFieldSpec } from '../types.ts'
import { enumerationItems, type ListItem } from './userfield.ts'

export interface FieldInfo {
  type: string
  isRequired: boolean
  isReadOnly: boolean
  isImmutable: boolean
  isMultiple: boolean
  isDynamic: boolean
  title: string
  statusType?: string
  isDeprecated?: boolean
  listLabel?: string
  formLabel?: string
  filterLabel?: string
  settings?: Record<string, unknown>
  /** Enumeration fields: their items, {ID, VALUE}. */
  items?: Array<{ ID: string, VALUE: string }>
}

export const MULTIFIELDS = ['PHONE', 'EMAIL', 'WEB', 'IM', 'LINK'] as const
export type MultiFieldName = typeof MULTIFIELDS[number]

export function isMultiField (name: string): name is MultiFieldName {
  return (MULTIFIELDS as readonly string[]).includes(name)
}

interface Def { type: string, title: string, ro?: boolean, multiple?: boolean, statusType?: string, deprecated?: boolean }

const str = (title: string): Def => ({ type: 'string', title })
const ro = (type: string, title: string): Def => ({ type, title, ro: true })

const STANDARD: Record<string, Def> = {
  ID: ro('integer', 'ID'),
  TITLE: str('Lead name'),
  HONORIFIC: { type: 'crm_status', title: 'Salutation', statusType: 'HONORIFIC' },
  NAME: str('First name'),
  SECOND_NAME: str('Second name'),
  LAST_NAME: str('Last name'),
  BIRTHDATE: { type: 'date', title: 'Date of birth' },
  COMPANY_TITLE: str('Company name'),
  POST: str('Position'),
  SOURCE_ID: { type: 'crm_status', title: 'Source', statusType: 'SOURCE' },
  SOURCE_DESCRIPTION: str('Source information'),
  STATUS_ID: { type: 'crm_status', title: 'Stage', statusType: 'STATUS' },
  STATUS_DESCRIPTION: str('Stage information'),
  STATUS_SEMANTIC_ID: ro('string', 'Stage semantics'),
  ADDRESS: str('Address'),
  ADDRESS_2: str('Address (line 2)'),
  ADDRESS_CITY: str('City'),
  ADDRESS_POSTAL_CODE: str('Zip'),
  ADDRESS_REGION: str('Region'),
  ADDRESS_PROVINCE: str('State / Province'),
  ADDRESS_COUNTRY: str('Country'),
  ADDRESS_COUNTRY_CODE: str('Country code'),
  ADDRESS_LOC_ADDR_ID: { type: 'integer', title: 'Location address ID' },
  CURRENCY_ID: { type: 'crm_currency', title: 'Currency' },
  OPPORTUNITY: { type: 'double', title: 'Total' },
  IS_MANUAL_OPPORTUNITY: { type: 'char', title: 'Manual total' },
  OPENED: { type: 'char', title: 'Available to everyone' },
  COMMENTS: str('Comment'),
  HAS_PHONE: ro('char', 'Has phone'),
  HAS_EMAIL: ro('char', 'Has e-mail'),
  HAS_IMOL: ro('char', 'Has Open Channel'),
  ASSIGNED_BY_ID: { type: 'user', title: 'Responsible person' },
  CREATED_BY_ID: ro('user', 'Created by'),
  MODIFY_BY_ID: ro('user', 'Modified by'),
  MOVED_BY_ID: ro('user', 'Stage changed by'),
  DATE_CREATE: ro('datetime', 'Created on'),
  DATE_MODIFY: ro('datetime', 'Modified on'),
  MOVED_TIME: ro('datetime', 'Stage changed on'),
  DATE_CLOSED: ro('datetime', 'Closed on'),
  COMPANY_ID: { type: 'crm_company', title: 'Company' },
  CONTACT_ID: { type: 'crm_contact', title: 'Contact', deprecated: true },
  CONTACT_IDS: { type: 'crm_contact', title: 'Contacts', multiple: true },
  IS_RETURN_CUSTOMER: ro('char', 'Repeat lead'),
  ORIGINATOR_ID: str('External source'),
  ORIGIN_ID: str('Item ID in data source'),
  UTM_SOURCE: str('Ad system'),
  UTM_MEDIUM: str('Traffic type'),
  UTM_CAMPAIGN: str('Ad campaign UTM'),
  UTM_CONTENT: str('Campaign contents'),
  UTM_TERM: str('Campaign search term'),
  LAST_ACTIVITY_TIME: ro('datetime', 'Last activity'),
  LAST_ACTIVITY_BY: ro('user', 'Last activity by'),
  PHONE: { type: 'crm_multifield', title: 'Phone', multiple: true },
  EMAIL: { type: 'crm_multifield', title: 'E-mail', multiple: true },
  WEB: { type: 'crm_multifield', title: 'Website', multiple: true },
  IM: { type: 'crm_multifield', title: 'Messenger', multiple: true },
  LINK: { type: 'crm_multifield', title: 'Link', multiple: true }
}

/** Names of the standard (non-user) fields, in crm.lead.fields order. */
export const STANDARD_FIELD_NAMES = Object.keys(STANDARD)

/** Read-only fields that `params.IMPORT` lets a caller set. */
export const IMPORT_WRITABLE = new Set(['DATE_CREATE', 'DATE_MODIFY', 'CREATED_BY_ID', 'MODIFY_BY_ID'])

export function standardField (name: string): Def | undefined {
  return Object.hasOwn(STANDARD, name) ? STANDARD[name] : undefined
}

export function isUserFieldName (name: string): boolean {
  return name.startsWith('UF_CRM_')
}

function toInfo (def: Def, quirks: Quirks, name: string): FieldInfo {
  const info: FieldInfo = {
    type: def.type,
    // The docs show TITLE optional; the legacy map marks it required, which is what requireTitle models.
    isRequired: name === 'TITLE' && quirks.requireTitle,
    isReadOnly: def.ro === true,
    isImmutable: false,
    isMultiple: def.multiple === true,
    isDynamic: false,
    title: def.title
  }
  if (def.statusType !== undefined) info.statusType = def.statusType
  if (def.deprecated === true) info.isDeprecated = true
  return info
}

function userFieldInfo (uf: UserFieldSpec, items: ListItem[] | undefined): FieldInfo {
  const label = uf.label ?? uf.name
  return {
    type: uf.type ?? (items !== undefined ? 'enumeration' : 'string'),
    isRequired: uf.mandatory === true,
    isReadOnly: false,
    isImmutable: false,
    isMultiple: uf.multiple === true,
    isDynamic: true,
    title: uf.name,
    listLabel: label,
    formLabel: label,
    filterLabel: label,
    settings: {},
    ...(items !== undefined ? { items: items.map(i => ({ ID: i.ID, VALUE: i.VALUE })) } : {})
  }
}

/** The crm.lead.fields result. */
export function leadFieldInfos (quirks: Quirks, userFields: UserFieldSpec[]): Record<string, FieldInfo> {
  const out: Record<string, FieldInfo> = {}
  for (const name of STANDARD_FIELD_NAMES) out[name] = toInfo(STANDARD[name] as Def, quirks, name)
  const items = enumerationItems(userFields)
  for (const uf of userFields) out[uf.name] = userFieldInfo(uf, items.get(uf.name))
  return out
}
