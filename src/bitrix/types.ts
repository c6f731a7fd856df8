/** Bitrix24 shapes shared by the mapping, the client and the worker. */

/** One value of a multifield (PHONE, EMAIL, WEB, IM) in the REST write format. */
export interface MultiFieldValue {
  VALUE: string
  VALUE_TYPE: string
}

/** The `fields` object of crm.lead.add: TITLE, NAME, PHONE: MultiFieldValue[], UF_CRM_…, ORIGIN_ID… */
export type LeadFields = Record<string, string | number | MultiFieldValue[] | string[]>
