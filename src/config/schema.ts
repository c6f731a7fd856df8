/**
 * The shape of relay.config.yaml, validated with zod at start. Every key is documented in
 * relay.config.example.yaml; defaults live here and nowhere else.
 */
import { z } from 'zod'
import { alertsSchema } from '../alerts/config-schema.ts'
import { formSecurityShape, rateLimitSchema, spamSchema } from '../security/config-schema.ts'
import { assigneeListToRotation, checkDepthFeatures, checkPortalTransport, formDepthShape, portalDepthShape } from './depth-schema.ts'

const isLoopbackHost = (host: string): boolean =>
  host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)

/** An incoming-webhook base URL: https://portal/rest/<user id>/<secret>/ (plain http only on loopback). */
export const webhookUrlSchema = z.string().trim().transform((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a URL' })
    return z.NEVER
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: 'must use https:// (plain http:// is allowed only for loopback hosts)' })
    return z.NEVER
  }
  if (!/\/rest\/\d+\/[^/]+\/?$/.test(url.pathname)) {
    ctx.addIssue({ code: 'custom', message: 'must look like https://<portal>/rest/<user id>/<webhook code>/' })
    return z.NEVER
  }
  url.search = ''
  url.hash = ''
  return url.href.endsWith('/') ? url.href : url.href + '/'
})

const dictionarySchema = z.array(z.string().min(1)).min(1)

export const dictionariesSchema = z.object({
  STATUS_ID: dictionarySchema.optional(),
  SOURCE_ID: dictionarySchema.optional(),
  CURRENCY_ID: dictionarySchema.optional(),
  PRODUCT_ID: dictionarySchema.optional()
}).strict()

export const portalSchema = z.object({
  /** Required unless `transport: legacy`; an empty string in the parsed config of a legacy portal. */
  webhook: webhookUrlSchema.optional(),
  /** Mirrors the portal's leaky bucket: 50 and 2/s on most plans, 250 and 5/s on Enterprise. */
  rateLimit: z.object({
    burst: z.number().int().positive().default(50),
    drainPerSecond: z.number().positive().default(2),
    /** Slots kept free so network jitter (an earlier call arriving late) never tips the portal over. */
    headroom: z.number().int().nonnegative().default(1)
  }).strict().default({ burst: 50, drainPerSecond: 2, headroom: 1 }),
  /** Replaces the built-in STATUS_ID / SOURCE_ID / CURRENCY_ID / PRODUCT_ID dictionaries. */
  dictionaries: dictionariesSchema.default({}),
  /** Sent as params.REGISTER_SONET_EVENT: notify the responsible user about the new lead. */
  registerSonetEvent: z.boolean().default(true),
  /** Per-call timeout to the portal, in milliseconds. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** transport (rest | legacy), legacyUrl, login, password, crmMode, listRefreshMs: see ./depth-schema.ts. */
  ...portalDepthShape
}).strict().superRefine(checkPortalTransport).transform(p => ({ ...p, webhook: p.webhook ?? '' }))

/**
 * Where the product page is read from, first match wins: a field the site fills on purpose
 * (`[hidden product-url]`), then the page the form was sent from (embed.js's page_url, CF7's [_url]),
 * then the permalink of the post holding the form (CF7's [_post_url]).
 */
export const PRODUCT_URL_SOURCES = ['product_url', 'product-url', 'page_url', 'page-url', '_url', '_post_url'] as const

/** A scalar constant written into every lead of a form, e.g. SOURCE_ID: WEB, ASSIGNED_BY_ID: 7. */
const constantSchema = z.union([z.string(), z.number(), z.boolean()])

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
    target: z.string().regex(/^UF_CRM_\w+$/).optional()
  }).strict().default({ sources: [...PRODUCT_URL_SOURCES] }),
  /**
   * The product name: off unless set. Taken from the first of `sources` that was posted (CF7's
   * _post_title, the embed script's page_title) and stored in `target`, else a COMMENTS line.
   */
  productName: z.object({
    sources: z.array(z.string()).default(['_post_title', 'page_title']),
    target: z.string().regex(/^UF_CRM_\w+$/).optional()
  }).strict().optional(),
  /** gclid / yclid / fbclid go to this UF_CRM_ field, else to COMMENTS. */
  clickIdTarget: z.string().regex(/^UF_CRM_\w+$/).optional(),
  /**
   * UF_CRM_ fields for the analytics ids embed.js reads from the site's cookies (ga_client_id,
   * ym_client_id, roistat_visit); an id without a target becomes a labelled COMMENTS line.
   */
  analytics: z.object({
    gaClientId: z.string().regex(/^UF_CRM_\w+$/).optional(),
    ymClientId: z.string().regex(/^UF_CRM_\w+$/).optional(),
    roistatVisit: z.string().regex(/^UF_CRM_\w+$/).optional()
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
  /** duplicates, entity, timeline, listFields, product, files, assignees: see ./depth-schema.ts. */
  ...formDepthShape
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
  batchSize: z.number().int().min(1).max(50).default(50),
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

export const configSchema = z.object({
  portals: z.record(z.string(), portalSchema).default({}),
  forms: z.record(z.string().regex(/^[\w-]{1,64}$/, 'form ids are letters, digits, _ and -'), formSchema).default({}),
  limits: limitsSchema.default(limitsSchema.parse({})),
  outbox: outboxSchema.default(outboxSchema.parse({})),
  delivery: deliverySchema.default(deliverySchema.parse({})),
  rateLimit: rateLimitSchema.default(rateLimitSchema.parse({})),
  spam: spamSchema.default(spamSchema.parse({})),
  retention: retentionSchema.default(retentionSchema.parse({})),
  flood: floodSchema.default(floodSchema.parse({})),
  /** Notices to the operator when something needs attention: see src/alerts/config-schema.ts. */
  alerts: alertsSchema.optional()
}).strict().superRefine(checkDepthFeatures)

export type PortalConfig = z.infer<typeof portalSchema>
export type FormConfig = z.infer<typeof formSchema>
export type Dictionaries = z.infer<typeof dictionariesSchema>
export type RelayConfig = z.infer<typeof configSchema>
