/**
 * What a submission asks of the portal beyond "add this lead", stored beside its fields as
 * `payload.extras` at intake and read back with this schema at delivery (src/delivery/stored-payload.ts).
 * A submission without extras is one crm.lead.add; with them, its plan grows follow-ups
 * (src/delivery/rich-prepare.ts).
 */
import { z } from 'zod'

/** A file kept with the submission: its bytes (base64) or, for a CF7 link, the URL to fetch at delivery. */
export const storedFileSchema = z.object({
  /** The form field it came in. */
  field: z.string(),
  name: z.string().min(1),
  /** MIME type as sent, or guessed from the name. */
  type: z.string(),
  /** Bytes; 0 for a URL not fetched yet. */
  size: z.number().int().nonnegative(),
  content: z.string().optional(),
  url: z.string().optional()
}).strict()

export type StoredFile = z.infer<typeof storedFileSchema>

export const fileRulesSchema = z.object({
  maxBytes: z.number().int().positive(),
  /** MIME types (image/png, image/*) or extensions (.pdf). */
  types: z.array(z.string()),
  /** Fetch CF7 file links at delivery (http/https only), within maxBytes and this timeout. */
  download: z.boolean(),
  downloadTimeoutMs: z.number().int().positive(),
  // Link fetching (src/delivery/link-fetch.ts); absent in submissions of forms that do not fetch
  // links and in those stored before these keys existed: the defaults are the safe ones.
  allowHosts: z.array(z.string()).optional(),
  allowPrivateAddresses: z.boolean().optional(),
  downloadBudgetMs: z.number().int().positive().optional(),
  minBytesPerSecond: z.number().int().nonnegative().optional(),
  slowGraceMs: z.number().int().nonnegative().optional()
}).strict()

export type FileRules = z.infer<typeof fileRulesSchema>

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
  listFields: z.array(z.string().regex(/^UF_CRM_\w+$/)).min(1).optional(),
  product: productRowSchema.optional(),
  files: z.object({
    items: z.array(storedFileSchema).min(1),
    /** A file UF_CRM_ field; else the files go to a timeline comment. */
    target: z.string().regex(/^UF_CRM_\w+$/).optional(),
    rules: fileRulesSchema
  }).strict().optional()
}).strict()

export type LeadExtras = z.infer<typeof leadExtrasSchema>

/** True when there is anything to do beyond a plain crm.lead.add. */
export function hasExtras (extras: LeadExtras | undefined): extras is LeadExtras {
  return extras !== undefined && Object.values(extras).some(v => v !== undefined)
}

const EXTENSION_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
  '.webp': 'image/webp', '.txt': 'text/plain', '.csv': 'text/csv', '.zip': 'application/zip',
  '.doc': 'application/msword', '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel', '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text', '.ods': 'application/vnd.oasis.opendocument.spreadsheet'
}

const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot).toLowerCase()
}

/** The MIME type a browser would give this name, for senders that give none (CF7 base64 objects, links). */
export function guessType (name: string): string {
  return EXTENSION_TYPES[extensionOf(name)] ?? 'application/octet-stream'
}

/** Whether `types` (MIME types, `image/*` wildcards, `.ext` extensions) admits this file. */
export function fileTypeAllowed (name: string, type: string, types: readonly string[]): boolean {
  const mime = type.split(';')[0]?.trim().toLowerCase() ?? ''
  const ext = extensionOf(name)
  return types.some(rule => {
    if (rule.startsWith('.')) return rule === ext
    if (rule.endsWith('/*')) return mime.startsWith(rule.slice(0, -1))
    return rule === mime
  })
}
