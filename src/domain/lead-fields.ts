/** The lead a submission becomes, in the shape Bitrix24 writes it: built by the mapping, sent by delivery and the client. */

/** One value of a multifield (PHONE, EMAIL, WEB, IM) in the REST write format. */
export interface MultiFieldValue {
  VALUE: string
  VALUE_TYPE: string
}

/** The `fields` object of crm.lead.add: TITLE, NAME, PHONE: MultiFieldValue[], UF_CRM_…, ORIGIN_ID… */
export type LeadFields = Record<string, string | number | MultiFieldValue[] | string[]>
