/**
 * The shape of relay.config.yaml, validated with zod at start. Every key is documented in
 * relay.config.example.yaml; defaults live here and nowhere else.
 */
import { z } from 'zod'
import { alertsSchema } from '../alerts/config-schema.ts'
import { formSecurityShape, rateLimitSchema, spamSchema } from '../security/config-schema.ts'
import { isLoopbackHost } from '../security/link-address.ts'
import { normalizeWebhook } from '../bitrix/webhook.ts'
import { MAX_BATCH_COMMANDS } from '../bitrix/batch.ts'
import { USER_FIELD_PATTERN } from '../mapping/targets.ts'
import { own } from './own.ts'

/** A form id: the key under `forms:` and the `:formId` of /f/:formId. */
export const FORM_ID_PATTERN = /^[\w-]{1,64}$/

/** An http(s) URL is allowed on plain http only for a loopback host (a portal or emulator on this machine). */
const secureOrLoopback = (url: URL): boolean =>
  url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))

/** An incoming-webhook base URL: https://portal/rest/<user id>/<secret>/ (plain http only on loopback). */
export const webhookUrlSchema = z.string().trim().transform((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' })
    return z.NEVER
  }
  if (!secureOrLoopback(url)) {
    ctx.addIssue({ code: 'custom', message: 'must use https:// (plain http:// is allowed only for loopback hosts)' })
    return z.NEVER
  }
  if (!/\/rest\/\d+\/[^/]+\/?$/.test(url.pathname)) {
    ctx.addIssue({ code: 'custom', message: 'must look like https://<portal>/rest/<user id>/<webhook code>/' })
    return z.NEVER
  }
  return normalizeWebhook(url)
})

/** The portal's address for the legacy importer: https (plain http only on loopback). */
const legacyUrlSchema = z.string().trim().refine((value) => {
  try {
    return secureOrLoopback(new URL(value))
  } catch {
    return false
  }
}, 'must be the portal address, https://<portal>/ (plain http:// only for loopback hosts)')

const userFieldName = z.string().trim().toUpperCase().pipe(z.string().regex(USER_FIELD_PATTERN, 'must be a UF_CRM_… field'))

const dictionarySchema = z.array(z.string().min(1)).min(1)

export const dictionariesSchema = z.object({
  STATUS_ID: dictionarySchema.optional(),
  SOURCE_ID: dictionarySchema.optional(),
  CURRENCY_ID: dictionarySchema.optional(),
  PRODUCT_ID: dictionarySchema.optional()
}).strict()

/** Mirrors the portal's leaky bucket: 50 and 2/s on most plans, 250 and 5/s on Enterprise. */
export const portalRateLimitSchema = z.object({
  burst: z.number().int().positive().default(50),
  drainPerSecond: z.number().positive().default(2),
  /** Slots kept free so network jitter (an earlier call arriving late) never tips the portal over. */
  headroom: z.number().int().nonnegative().default(1)
}).strict()

/** Per-call timeout to the portal, in milliseconds. */
const portalTimeoutSchema = z.number().int().positive().default(30_000)

interface PortalTransport { transport: 'rest' | 'legacy', webhook?: string, legacyUrl?: string, login?: string, password?: string }

/** A REST portal needs its webhook; a legacy one its address, login and password. */
function checkPortalTransport (portal: PortalTransport, ctx: z.RefinementCtx): void {
  if (portal.transport === 'rest') {
    if (portal.webhook === undefined) {
      ctx.addIssue({ code: 'custom', path: ['webhook'], message: 'is required (or set transport: legacy)' })
    }
    return
  }
  for (const key of ['legacyUrl', 'login', 'password'] as const) {
    if (portal[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'is required with transport: legacy' })
  }
}

export const portalSchema = z.object({
  /** Required unless `transport: legacy`; an empty string in the parsed config of a legacy portal. */
  webhook: webhookUrlSchema.optional(),
  rateLimit: portalRateLimitSchema.default(portalRateLimitSchema.parse({})),
  /** Replaces the built-in STATUS_ID / SOURCE_ID / CURRENCY_ID / PRODUCT_ID dictionaries. */
  dictionaries: dictionariesSchema.default({}),
  /** Sent as params.REGISTER_SONET_EVENT: notify the responsible user about the new lead. */
  registerSonetEvent: z.boolean().default(true),
  timeoutMs: portalTimeoutSchema,
  // The Bitrix24 extras of a portal: its transport and CRM mode, its list fields' cache.
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
}).strict().superRefine(checkPortalTransport).transform(p => ({ ...p, webhook: p.webhook ?? '' }))

/** A portal's defaults, for code that may run without a parsed config (a client or a bucket built in a test or the CLI). */
export const PORTAL_DEFAULTS = { rateLimit: portalRateLimitSchema.parse({}), timeoutMs: portalTimeoutSchema.parse(undefined) }

/**
 * Where the product page is read from, first match wins: a field the site fills on purpose
 * (`[hidden product-url]`), then the page the form was sent from (embed.js's page_url, CF7's [_url]),
 * then the permalink of the post holding the form (CF7's [_post_url]).
 */
export const PRODUCT_URL_SOURCES = ['product_url', 'product-url', 'page_url', 'page-url', '_url', '_post_url'] as const

/** A scalar constant written into every lead of a form, e.g. SOURCE_ID: WEB, ASSIGNED_BY_ID: 7. */
const constantSchema = z.union([z.string(), z.number(), z.boolean()])

/** A form's `files`: uploads and CF7 file links kept (within these limits) and attached. */
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

/** `files` with every key at its default, for the link fetcher called without a form's rules. */
export const FILES_DEFAULTS = filesSchema.parse({})

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

export const formSchema = z.preprocess(assigneeListToRotation, z.object({
  name: z.string().min(1).optional(),
  portal: z.string().min(1).default('default'),
  language: z.enum(['ru', 'en']).default('ru'),
  /** ISO 3166 country used to read phone numbers typed without a country code. */
  defaultCountry: z.string().length(2).toUpperCase().default('RU'),
  /** Charset of bodies that do not declare one (older sites post windows-1251 or koi8-r). */
  charset: z.string().min(1).optional(),
  /** Form field name → Bitrix24 target (TITLE, NAME, PHONE_MOBILE, UF_CRM_…). */
  fields: z.record(z.string(), z.string().min(1)).default({}),
  /** Constants set on every lead of this form. ASSIGNED_BY_ID may be a list: see `assignees`. */
  defaults: z.record(z.string(), constantSchema).default({}),
  /** TITLE template: {{field}} placeholders, plus {{form}}, {{formId}}, {{date}}, {{datetime}}. */
  title: z.string().optional(),
  /** Form fields the visitor must fill. */
  required: z.array(z.string()).default([]),
  successUrl: z.string().url().optional(),
  errorUrl: z.string().url().optional(),
  /** Where the product / page URL comes from and where it goes (else a COMMENTS line). */
  productUrl: z.object({
    sources: z.array(z.string()).default([...PRODUCT_URL_SOURCES]),
    target: z.string().regex(USER_FIELD_PATTERN).optional()
  }).strict().default({ sources: [...PRODUCT_URL_SOURCES] }),
  /**
   * The product name: off unless set. Taken from the first of `sources` that was posted (CF7's
   * _post_title, the embed script's page_title) and stored in `target`, else a COMMENTS line.
   */
  productName: z.object({
    sources: z.array(z.string()).default(['_post_title', 'page_title']),
    target: z.string().regex(USER_FIELD_PATTERN).optional()
  }).strict().optional(),
  /** gclid / yclid / fbclid go to this UF_CRM_ field, else to COMMENTS. */
  clickIdTarget: z.string().regex(USER_FIELD_PATTERN).optional(),
  /**
   * UF_CRM_ fields for the analytics ids embed.js reads from the site's cookies (ga_client_id,
   * ym_client_id, roistat_visit); an id without a target becomes a labelled COMMENTS line.
   */
  analytics: z.object({
    gaClientId: z.string().regex(USER_FIELD_PATTERN).optional(),
    ymClientId: z.string().regex(USER_FIELD_PATTERN).optional(),
    roistatVisit: z.string().regex(USER_FIELD_PATTERN).optional()
  }).strict().default({}),
  /** Every submitted field that is not mapped becomes a "label: value" line in COMMENTS. */
  unmappedToComments: z.boolean().default(true),
  /**
   * A value that fails its check (e-mail, date, amount, id, list value) or a missing `required` field:
   * keep = deliver the lead with the value as typed (or the gap) noted in COMMENTS; ask = answer 400 naming
   * the field (e-mail and required only; the other checks always keep).
   * Default: keep for server senders (secret, hmacSecret, a WordPress webhook), ask for browser forms.
   */
  invalidValues: z.enum(['keep', 'ask']).optional(),
  /** Human labels for COMMENTS lines, by form field name. */
  labels: z.record(z.string(), z.string()).default({}),
  /** origins, honeypot, minFillMs, captcha, secret, hmacSecret, rateLimit: see src/security/config-schema.ts. */
  ...formSecurityShape,
  // The Bitrix24 extras of a form (src/mapping/extras.ts): duplicates, entity, timeline, list fields, product, files, assignees.
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
}).strict())

const MIB = 1024 * 1024
const DAY_MS = 24 * 3600 * 1000

export const limitsSchema = z.object({
  bodyBytes: z.number().int().positive().default(64 * 1024),
  fields: z.number().int().positive().default(200),
  valueChars: z.number().int().positive().default(10_000),
  /**
   * The store may take this much (SQLite: the database's pages in use; Redis: used_memory); at it new
   * submissions get 503 RELAY_ERR_STORE_FULL, from 80 % on the relay warns.
   */
  storeBytes: z.number().int().positive().default(2048 * MIB),
  /** New submissions are refused while the store's disk has less free space than this; warned from twice it. */
  minFreeDiskBytes: z.number().int().nonnegative().default(512 * MIB),
  /** A request (headers and body) must arrive within this time, or the connection is dropped (408). */
  requestTimeoutMs: z.number().int().positive().default(30_000),
  /** The request headers must arrive within this time (never more than requestTimeoutMs). */
  headersTimeoutMs: z.number().int().positive().default(10_000),
  /** A body slower than this on average, once it has taken `bodyRateGraceMs`, is dropped; 0 turns the check off. */
  minBodyBytesPerSecond: z.number().int().nonnegative().default(500),
  bodyRateGraceMs: z.number().int().positive().default(5_000)
}).strict()

/** How long finished submissions are kept (a purge runs where delivery runs, every `purgeEveryMs`). */
export const retentionSchema = z.object({
  /** Delivered submissions (their leads are in Bitrix24) are deleted this long after delivery. */
  deliveredMs: z.number().int().positive().default(30 * DAY_MS),
  /** Dead letters wait for an operator this long, then are deleted. */
  deadMs: z.number().int().positive().default(90 * DAY_MS),
  /** Held submissions (floods) nobody released or discarded are deleted this long after they came. */
  heldMs: z.number().int().positive().default(90 * DAY_MS),
  purgeEveryMs: z.number().int().positive().max(60_000).default(60_000)
}).strict()

/**
 * Past a form's per-form rate limit, submissions are kept but held (never refused); they are
 * released once the form has been quiet, at a paced rate, or by an operator.
 */
export const floodSchema = z.object({
  /** No held submission for this long: the flood is over and release starts. */
  quietMs: z.number().int().positive().default(10 * 60 * 1000),
  /** Held submissions made pending per minute after the quiet period; 0: only an operator releases them. */
  releasePerMinute: z.number().int().nonnegative().default(60)
}).strict()

export const outboxSchema = z.object({
  /** sqlite:./data/relay.db (default) or redis://host:6379/0 */
  url: z.string().default('sqlite:./data/relay.db'),
  /** full: fsync before answering (default). relaxed: faster; an OS crash may lose the last acknowledged submissions. */
  durability: z.enum(['full', 'relaxed']).default('full')
}).strict()

export const deliverySchema = z.object({
  /** ORIGINATOR_ID on every lead; with ORIGIN_ID = submission id it makes delivery idempotent. */
  originatorId: z.string().min(1).default('b24-form-relay'),
  /** Give up (dead letter) after this many attempts or this age, whichever comes first. */
  maxAttempts: z.number().int().positive().default(50),
  maxAgeMs: z.number().int().positive().default(3 * 24 * 3600 * 1000),
  leaseMs: z.number().int().positive().default(60_000),
  /** Exponential backoff between attempts after 5xx, network errors and timeouts (with jitter). */
  retryBaseMs: z.number().int().positive().default(1000),
  retryMaxMs: z.number().int().positive().default(300_000),
  batchSize: z.number().int().min(1).max(MAX_BATCH_COMMANDS).default(MAX_BATCH_COMMANDS),
  /** How often a paused (auth-failed) portal is probed again. */
  authProbeMs: z.number().int().positive().default(60_000),
  /** Double submits (same sender, same values) inside this window get the first answer back. */
  dedupeWindowMs: z.number().int().nonnegative().default(10 * 60 * 1000),
  /** How long an Idempotency-Key (per form and sender) keeps pointing at its submission. */
  idempotencyWindowMs: z.number().int().nonnegative().default(24 * 3600 * 1000),
  /** CF7 file links fetched at once by this process (all portals); never inside a portal's lane. */
  fileDownloads: z.number().int().min(1).max(32).default(4),
  /** Submissions at most waiting for their links per process; past it a submission goes on without its links (noted). */
  fileDownloadQueue: z.number().int().min(1).max(10_000).default(100)
}).strict()

/** Every delivery key at its default, for the pure decisions called without a parsed config (backoff, tests). */
export const DELIVERY_DEFAULTS = deliverySchema.parse({})

/** The extras a legacy portal cannot carry (they need REST calls), named for the config error. */
function restOnlyExtras (form: FormConfig): string[] {
  const used: string[] = []
  if (form.duplicates !== 'create') used.push(`duplicates: ${form.duplicates}`)
  if (form.entity !== 'lead') used.push(`entity: ${form.entity}`)
  if (form.timeline) used.push('timeline')
  if (form.listFields.length > 0) used.push('listFields')
  if (form.product !== undefined) used.push('product')
  if (form.files !== undefined) used.push('files')
  return used
}

/** Checks across keys: REST-only extras on a legacy portal, and merge (about open leads) with entity: deal. */
function checkExtras (config: { portals: Record<string, PortalConfig>, forms: Record<string, FormConfig> }, ctx: z.RefinementCtx): void {
  for (const [formId, form] of Object.entries(config.forms)) {
    if (form.duplicates === 'merge' && form.entity === 'deal') {
      ctx.addIssue({
        code: 'custom',
        path: ['forms', formId, 'duplicates'],
        message: 'merge works on open leads; with entity: deal use link (an existing contact is reused)'
      })
    }
    if (own(config.portals, form.portal)?.transport !== 'legacy') continue
    const used = restOnlyExtras(form)
    if (used.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['forms', formId],
        message: `uses ${used.join(', ')}, which portal "${form.portal}" (transport: legacy) cannot do; use its REST webhook`
      })
    }
  }
}

export const configSchema = z.object({
  portals: z.record(z.string(), portalSchema).default({}),
  forms: z.record(z.string().regex(FORM_ID_PATTERN, 'form ids are letters, digits, _ and -'), formSchema).default({}),
  limits: limitsSchema.default(limitsSchema.parse({})),
  outbox: outboxSchema.default(outboxSchema.parse({})),
  delivery: deliverySchema.default(DELIVERY_DEFAULTS),
  rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
  spam: spamSchema.default(spamSchema.parse({})),
  retention: retentionSchema.default(retentionSchema.parse({})),
  flood: floodSchema.default(floodSchema.parse({})),
  /** Notices to the operator when something needs attention: see src/alerts/config-schema.ts. */
  alerts: alertsSchema.optional()
}).strict().superRefine(checkExtras)

export type PortalConfig = z.infer<typeof portalSchema>
export type FormConfig = z.infer<typeof formSchema>
export type Dictionaries = z.infer<typeof dictionariesSchema>
export type RelayConfig = z.infer<typeof configSchema>
