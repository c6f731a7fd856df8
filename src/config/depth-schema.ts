/**
 * The config keys of the Bitrix24 depth features, spread into src/config/schema.ts: per portal the
 * transport (REST webhook or the deprecated legacy importer) and the CRM mode; per form duplicates,
 * the target entity, the timeline comment, list fields, a product row and files. Defaults live here.
 */
import { z } from 'zod'
import { own } from './own.ts'

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)

/** The portal's address for the legacy importer: https (plain http only on loopback). */
const legacyUrlSchema = z.string().trim().refine((value) => {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))
  } catch {
    return false
  }
}, 'must be the portal address, https://<portal>/ (plain http:// only for loopback hosts)')

const userFieldName = z.string().trim().toUpperCase().pipe(z.string().regex(/^UF_CRM_\w+$/, 'must be a UF_CRM_… field'))

export const portalDepthShape = {
  /** rest (default): the incoming webhook. legacy: /crm/configs/import/lead.php with LOGIN and PASSWORD (deprecated). */
  transport: z.enum(['rest', 'legacy']).default('rest'),
  /** legacy only: the portal address (the importer path is appended) or the importer's full URL. */
  legacyUrl: legacyUrlSchema.optional(),
  /** legacy only: a portal user's login and password; keep them in the environment (${B24_LOGIN}). */
  login: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /**
   * auto (default): rich submissions note the deal a converted lead became. simple: the portal runs
   * without leads; every submission takes the rich path so each converted lead's deal id is recorded.
   * classic: never look for converted deals.
   */
  crmMode: z.enum(['auto', 'classic', 'simple']).default('auto'),
  /** How long the portal's list-field items (crm.lead.userfield.list) are cached, in milliseconds. */
  listRefreshMs: z.number().int().positive().default(10 * 60 * 1000)
}

type PortalDepth = { transport: 'rest' | 'legacy', webhook?: string, legacyUrl?: string, login?: string, password?: string }

/** A REST portal needs its webhook; a legacy one its address, login and password. */
export function checkPortalTransport (portal: PortalDepth, ctx: z.RefinementCtx): void {
  if (portal.transport === 'rest') {
    if (portal.webhook === undefined) ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'is required (or set transport: legacy)' })
    return
  }
  for (const key of ['legacyUrl', 'login', 'password'] as const) {
    if (portal[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with transport: legacy' })
  }
}

export const filesSchema = z.object({
  /** Largest accepted file; larger ones are refused with 413 RELAY_ERR_FILE_TOO_LARGE. */
  maxBytes: z.number().int().positive().max(50 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Most files per submission. */
  maxFiles: z.number().int().positive().max(20).default(5),
  /** Accepted types: MIME types (image/png), wildcards (image/*) or extensions (.pdf). Others get 415 RELAY_ERR_FILE_TYPE. */
  types: z.array(z.string().trim().toLowerCase().min(1)).min(1)
    .default(['image/*', 'application/pdf', '.doc', '.docx', '.xls', '.xlsx', '.odt', '.ods', '.txt', '.csv', '.zip']),
  /** A UF_CRM_ file field to attach to (crm.lead.update with fileData); without it the files go to a timeline comment. */
  target: userFieldName.optional(),
  /** Form fields that carry CF7 file links (URLs) rather than text; they are kept as files to fetch. */
  fields: z.array(z.string().min(1)).default([]),
  /** Fetch CF7 file links (http/https) at delivery time; off by default, so the relay never fetches URLs a visitor chose. */
  download: z.boolean().default(false),
  /** One link's whole fetch (connect, answer, body). */
  downloadTimeoutMs: z.number().int().positive().default(15_000),
  /** Host names links may point to (`files.example.com`, or `*.example.com` for its subdomains); others are not fetched. */
  allowHosts: z.array(z.string().trim().toLowerCase().regex(/^(\*\.)?[a-z0-9.-]+$/, 'must be a host name or *.domain')).min(1).optional(),
  /**
   * Fetch links that resolve to loopback, private, link-local, CGNAT or reserved addresses. Off by
   * default and meant for a WordPress on the same host or network, or tests: with it on, a visitor
   * can make the relay fetch from your internal services.
   */
  allowPrivateAddresses: z.boolean().default(false),
  /** All of a submission's links together, from the moment delivery first sees it (at most half of delivery.leaseMs). */
  downloadBudgetMs: z.number().int().positive().default(30_000),
  /** A link slower than this (average bytes per second) after slowGraceMs is dropped. 0 turns the floor off. */
  minBytesPerSecond: z.number().int().nonnegative().default(1024),
  /** How long a link may take before the rate floor applies (at least 100 ms: a connection needs a moment). */
  slowGraceMs: z.number().int().min(100).default(5000)
}).strict()

export const formDepthShape = {
  /** create (default): always a new lead. link: bind it to a known contact / company. merge: comment on an open lead instead. */
  duplicates: z.enum(['create', 'link', 'merge']).default('create'),
  /** lead (default), or deal: a deal plus a contact (found by phone / e-mail or created), for portals without leads. */
  entity: z.enum(['lead', 'deal']).default('lead'),
  /** Post the whole submission (all fields, page, IP, user agent) as a timeline comment on the new record. */
  timeline: z.boolean().default(false),
  /** UF_CRM_ list (enumeration) fields: the visitor's label ("Москва") is sent as the item id. */
  listFields: z.array(userFieldName).default([]),
  /** A product row from the form: the fields holding its name, price and quantity (default 1). */
  product: z.object({
    name: z.string().min(1),
    price: z.string().min(1).optional(),
    quantity: z.string().min(1).optional()
  }).strict().optional(),
  /** Keep uploads and CF7 file fields (within these limits) and attach them; without this key a file is only noted by name. */
  files: filesSchema.optional(),
  /**
   * Users who take the leads in turn (round-robin, shared by every instance on the store). Written
   * as `defaults: { ASSIGNED_BY_ID: [7, 9, 12] }` or here; the first one is the plain constant.
   */
  assignees: z.array(z.number().int().positive()).min(1).optional()
}

/**
 * `defaults.ASSIGNED_BY_ID: [7, 9]` becomes `assignees: [7, 9]` with the first user as the constant,
 * so every reader of `defaults` keeps seeing scalars.
 */
export function assigneeListToRotation (raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw
  const form = raw as Record<string, unknown>
  const defaults = form.defaults
  if (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults)) return raw
  const list = (defaults as Record<string, unknown>).ASSIGNED_BY_ID
  if (!Array.isArray(list)) return raw
  const rest = { ...(defaults as Record<string, unknown>) }
  delete rest.ASSIGNED_BY_ID
  if (list.length > 0) rest.ASSIGNED_BY_ID = list[0]
  return { ...form, defaults: rest, assignees: form.assignees ?? list }
}

type FormDepth = { duplicates: string, entity: string, timeline: boolean, listFields: string[], product?: unknown, files?: unknown }

/** The features a legacy portal cannot carry (they need REST calls), named for the config error. */
function restOnlyFeatures (form: FormDepth): string[] {
  const used: string[] = []
  if (form.duplicates !== 'create') used.push(`duplicates: ${form.duplicates}`)
  if (form.entity !== 'lead') used.push(`entity: ${form.entity}`)
  if (form.timeline) used.push('timeline')
  if (form.listFields.length > 0) used.push('listFields')
  if (form.product !== undefined) used.push('product')
  if (form.files !== undefined) used.push('files')
  return used
}

interface DepthConfig {
  portals: Record<string, { transport: 'rest' | 'legacy' }>
  forms: Record<string, FormDepth & { portal: string }>
}

/** Checks across keys: REST-only features on a legacy portal, and merge (about open leads) with entity: deal. */
export function checkDepthFeatures (config: DepthConfig, ctx: z.RefinementCtx): void {
  for (const [formId, form] of Object.entries(config.forms)) {
    if (form.duplicates === 'merge' && form.entity === 'deal') {
      ctx.addIssue({ code: 'custom', path: ['forms', formId, 'duplicates'], message: 'merge works on open leads; with entity: deal use link (an existing contact is reused)' })
    }
    if (own(config.portals, form.portal)?.transport !== 'legacy') continue
    const used = restOnlyFeatures(form)
    if (used.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['forms', formId], message: `uses ${used.join(', ')}, which portal "${form.portal}" (transport: legacy) cannot do; use its REST webhook` })
    }
  }
}
