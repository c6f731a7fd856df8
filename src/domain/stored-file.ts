/**
 * A file a submission carries to the portal: as kept in the outbox (bytes or a link to fetch at
 * delivery), the rules it was accepted under, and the type checks intake and delivery share.
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

const EXTENSION_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.zip': 'application/zip',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet'
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
