/** The lead a submission becomes, in the shape Bitrix24 writes it: built by the mapping, sent by delivery and the client. */

/** One value of a multifield (PHONE, EMAIL, WEB, IM) in the REST write format. */
export interface MultiFieldValue {
  VALUE: string
  VALUE_TYPE: string
}

/** A portal's own (user) field: UF_CRM_ and a name. */
export const USER_FIELD_PATTERN = /^UF_CRM_\w+$/

/** The `fields` object of crm.lead.add: TITLE, NAME, PHONE: MultiFieldValue[], UF_CRM_…, ORIGIN_ID… */
export type LeadFields = Record<string, string | number | MultiFieldValue[] | string[]>
