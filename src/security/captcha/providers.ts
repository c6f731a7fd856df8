/**
 * The CAPTCHA providers the relay can verify against: where each one's verify endpoint is, which
 * form field carries its token, what the request looks like and how its answer reads. All five take
 * a urlencoded POST with the secret and the token and answer JSON.
 */
import { z } from 'zod'
import type { CaptchaProvider } from '../config-schema.ts'

/** What every provider's answer boils down to. */
export interface ProviderAnswer {
  success: boolean
  score?: number
  action?: string
  errors: string[]
}

export interface ProviderSpec {
  verifyUrl: string
  /** Token fields, first found wins (the widget's own name, then Contact Form 7's). */
  tokenFields: readonly string[]
  params: (p: { secret: string, token: string, ip?: string | undefined, siteKey?: string | undefined }) => Record<string, string>
  parse: (body: unknown) => ProviderAnswer
}

/** The siteverify dialect shared by Turnstile, reCAPTCHA and hCaptcha. */
const siteverifySchema = z.object({
  success: z.boolean(),
  score: z.number().optional(),
  action: z.string().optional(),
  'error-codes': z.array(z.string()).optional()
}).loose()

function parseSiteverify (body: unknown): ProviderAnswer {
  const a = siteverifySchema.parse(body)
  return {
    success: a.success,
    ...(a.score !== undefined ? { score: a.score } : {}),
    ...(a.action !== undefined ? { action: a.action } : {}),
    errors: a['error-codes'] ?? []
  }
}

const withIp = (params: Record<string, string>, key: string, ip: string | undefined): Record<string, string> =>
  ip === undefined ? params : { ...params, [key]: ip }

const GOOGLE = 'https://www.google.com/recaptcha/api/siteverify'
const googleParams: ProviderSpec['params'] = ({ secret, token, ip }) => withIp({ secret, response: token }, 'remoteip', ip)

export const PROVIDERS: Record<CaptchaProvider, ProviderSpec> = {
  turnstile: {
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    tokenFields: ['cf-turnstile-response', '_wpcf7_turnstile_response'],
    params: ({ secret, token, ip }) => withIp({ secret, response: token }, 'remoteip', ip),
    parse: parseSiteverify
  },
  'recaptcha-v2': {
    verifyUrl: GOOGLE,
    tokenFields: ['g-recaptcha-response', '_wpcf7_recaptcha_response'],
    params: googleParams,
    parse: parseSiteverify
  },
  'recaptcha-v3': {
    verifyUrl: GOOGLE,
    tokenFields: ['g-recaptcha-response', '_wpcf7_recaptcha_response'],
    params: googleParams,
    parse: parseSiteverify
  },
  hcaptcha: {
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
    tokenFields: ['h-captcha-response', 'g-recaptcha-response'],
    params: ({ secret, token, ip, siteKey }) =>
      withIp({ secret, response: token, ...(siteKey !== undefined ? { sitekey: siteKey } : {}) }, 'remoteip', ip),
    parse: parseSiteverify
  },
  yandex: {
    verifyUrl: 'https://smartcaptcha.yandexcloud.net/validate',
    tokenFields: ['smart-token'],
    params: ({ secret, token, ip }) => withIp({ secret, token }, 'ip', ip),
    parse: (body) => {
      const a = z.object({ status: z.string(), message: z.string().optional() }).loose().parse(body)
      return { success: a.status === 'ok', errors: a.status === 'ok' || a.message === undefined || a.message === '' ? [] : [a.message] }
    }
  }
}
