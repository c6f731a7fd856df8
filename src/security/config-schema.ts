/**
 * The security keys of the config file (per form and top level), as zod schemas that
 * src/config/schema.ts spreads into its own: origins, honeypot, fill time, CAPTCHA, source secrets,
 * rate limits and the spam store. Defaults live here and nowhere else.
 */
import { z } from 'zod'

/**
 * An allowed origin: `https://shop.example`, `http://127.0.0.1:8080`, `https://*.shop.example`
 * (any subdomain, not the apex) or `*` (any origin). Normalised to the form browsers send.
 */
export const originSchema = z.string().trim().transform((value, ctx) => {
  if (value === '*') return value
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not an origin like https://shop.example` })
    return z.NEVER
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '' ||
    url.pathname !== '/' || url.search !== '' || url.hash !== '' || /[/?#]./.test(value.replace(/^https?:\/\//i, ''))) {
    ctx.addIssue({ code: 'custom', message: `"${value}" must be scheme://host[:port] with no path, e.g. https://shop.example` })
    return z.NEVER
  }
  if (url.hostname.includes('*') && !/^\*\.[^*]+$/.test(url.hostname)) {
    ctx.addIssue({ code: 'custom', message: `"${value}": a wildcard is allowed only as the first label, e.g. https://*.shop.example` })
    return z.NEVER
  }
  return `${url.protocol}//${url.host}`
})

export const CAPTCHA_PROVIDERS = ['turnstile', 'recaptcha-v2', 'recaptcha-v3', 'hcaptcha', 'yandex'] as const

export const captchaSchema = z.object({
  provider: z.enum(CAPTCHA_PROVIDERS),
  /** The server-side secret from the provider's console; write ${VAR}. */
  secret: z.string().min(1),
  /** The public site key; hCaptcha checks that the token was issued for it. */
  siteKey: z.string().min(1).optional(),
  /** Override of the provider's verify endpoint (a proxy, or a local fake in tests). */
  verifyUrl: z.string().url().optional(),
  /** reCAPTCHA v3: scores below this are spam (0.0 = bot, 1.0 = human). */
  minScore: z.number().min(0).max(1).default(0.5),
  /** reCAPTCHA v3 / Turnstile: the action the widget was rendered with; another action is spam. */
  action: z.string().min(1).optional(),
  /** The form field holding the token; default per provider (cf-turnstile-response, g-recaptcha-response…). */
  field: z.string().min(1).optional(),
  timeoutMs: z.number().int().positive().default(5000),
  /** The provider cannot be reached or answers garbage: accept the submission (default) or hold it as spam. */
  onError: z.enum(['accept', 'spam']).default('accept')
}).strict()

const windowSchema = z.object({
  max: z.number().int().positive(),
  /** Milliseconds. */
  timeWindow: z.number().int().positive()
}).strict()

/** A limit, or false to switch it off. */
const limitSchema = z.union([z.literal(false), windowSchema])

/** Keys added to every form. */
export const formSecurityShape = {
  /** Origins whose pages may post to this form (CORS, Origin check, `_next`). Absent: any origin. */
  origins: z.array(originSchema).min(1).optional(),
  /** A hidden field bots fill in and people do not; false switches it off. */
  honeypot: z.union([z.string().min(1), z.literal(false)]).default('_gotcha'),
  /** A submission carrying `_ts` (epoch ms when the form was shown) faster than this is spam; 0 switches it off. */
  minFillMs: z.number().int().nonnegative().default(2000),
  captcha: captchaSchema.optional(),
  /** Server-to-server senders: the shared secret expected in X-Relay-Secret. */
  secret: z.string().min(16, 'use at least 16 characters').optional(),
  /** Server-to-server senders: the key of the X-Relay-Signature HMAC-SHA256 (method, path, content type, timestamp, body). */
  hmacSecret: z.string().min(16, 'use at least 16 characters').optional(),
  /** Per-form overrides of the top-level rate limits. */
  rateLimit: z.object({ perIp: limitSchema.optional(), perForm: limitSchema.optional() }).strict().optional()
}

export const rateLimitSchema = z.object({
  /** Submissions per client address (all forms together). */
  perIp: limitSchema.default({ max: 20, timeWindow: 60_000 }),
  /** Submissions per form (all clients together): caps what a botnet can push into the CRM. */
  perForm: limitSchema.default({ max: 300, timeWindow: 60_000 }),
  /**
   * Addresses or CIDRs never limited when they connect directly (local scripts, health checks,
   * benchmarks). A request that came through a proxy (X-Forwarded-For) is never exempt.
   */
  allowList: z.array(z.string().min(1)).default(['127.0.0.1', '::1']),
  /**
   * IPv6 clients are counted by this prefix (bits): 64 by default, one subscriber's usual subnet;
   * 56 or 48 when someone rotates through the /64s of a larger allocation.
   */
  ipv6Prefix: z.number().int().min(32).max(128).default(64),
  /**
   * Failed admin and status-page sign-ins per client address: past `max` in a window the client gets
   * 429 until the window ends, and the log gets one line per client and window with the count.
   * Applies to every address (allowList too): no one needs to fail often.
   */
  adminFailures: limitSchema.default({ max: 10, timeWindow: 60_000 })
}).strict()

export const spamSchema = z.object({
  /** How long submissions held as spam are kept for review. */
  keepMs: z.number().int().positive().default(14 * 24 * 3600 * 1000),
  /** SQLite file of the spam store; default next to a SQLite outbox (relay.db → relay-spam.db), else ./data/spam.db. */
  path: z.string().min(1).optional()
}).strict()

export type CaptchaConfig = z.infer<typeof captchaSchema>
export type CaptchaProvider = typeof CAPTCHA_PROVIDERS[number]
export type RateLimitConfig = z.infer<typeof rateLimitSchema>
export type SpamConfig = z.infer<typeof spamSchema>
