/**
 * What a submission asks of the portal beyond "add this lead", stored beside its fields as
 * `payload.extras` at intake and read back with this schema at delivery (src/delivery/stored-payload.ts).
 * A submission without extras is one crm.lead.add; with them, its plan grows follow-ups
 * (src/delivery/rich-prepare.ts). Its files: ./stored-file.ts.
 */
import { z } from 'zod'
import { USER_FIELD_PATTERN } from './lead-fields.ts'
import { fileRulesSchema, storedFileSchema } from './stored-file.ts'

/** One product row for crm.lead.productrows.set. */
export const productRowSchema = z.object({
  PRODUCT_NAME: z.string().min(1),
  PRICE: z.number().nonnegative(),
  QUANTITY: z.number().positive()
}).strict()

export type ProductRow = z.infer<typeof productRowSchema>

export const leadExtrasSchema = z.object({
  /** link: bind the lead to a known contact / company; merge: comment on an open lead instead of adding one. */
  duplicates: z.enum(['link', 'merge']).optional(),
  /** deal: a deal plus a contact (found or created) instead of a lead. */
  entity: z.literal('deal').optional(),
  /** The whole submission as a timeline comment on the new record. */
  timeline: z.literal(true).optional(),
  /** ASSIGNED_BY_ID rotated over these users, one turn per submission. */
  assignees: z.array(z.number().int().positive()).min(1).optional(),
  /** UF_CRM_ list fields whose visitor label is turned into the item id. */
  listFields: z.array(z.string().regex(USER_FIELD_PATTERN)).min(1).optional(),
  product: productRowSchema.optional(),
  files: z.object({
    items: z.array(storedFileSchema).min(1),
    /** A file UF_CRM_ field; else the files go to a timeline comment. */
    target: z.string().regex(USER_FIELD_PATTERN).optional(),
    rules: fileRulesSchema
  }).strict().optional()
}).strict()

export type LeadExtras = z.infer<typeof leadExtrasSchema>

/** True when there is anything to do beyond a plain crm.lead.add. */
export function hasExtras (extras: LeadExtras | undefined): extras is LeadExtras {
  return extras !== undefined && Object.values(extras).some(v => v !== undefined)
}
