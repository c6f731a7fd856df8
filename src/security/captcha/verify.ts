/**
 * Verifies a visitor's CAPTCHA token with the form's provider (undici, bounded by a timeout) and
 * judges the answer: missing token, refused token, a reCAPTCHA v3 score under `minScore` or an
 * unexpected action are spam; a provider that cannot answer is "unverified" (the form's `onError`
 * decides). The secret goes only into the request body, never into a log line or an error.
 */
import { request } from 'undici'
import type { CaptchaConfig } from '../config-schema.ts'
import type { SubmittedValues } from '../../intake/submitted-values.ts'
import { PROVIDERS } from './providers.ts'

export type CaptchaVerdict =
  | { outcome: 'passed', score?: number }
  | { outcome: 'spam', reason: 'captcha_missing' | 'captcha_failed' | 'captcha_score' | 'captcha_action', detail?: string }
  | { outcome: 'unverified', detail: string }

/** The token fields a form's CAPTCHA reads, in order. */
export function tokenFields (captcha: CaptchaConfig): readonly string[] {
  return captcha.field !== undefined ? [captcha.field] : PROVIDERS[captcha.provider].tokenFields
}

export function findToken (captcha: CaptchaConfig, values: SubmittedValues): string | undefined {
  for (const field of tokenFields(captcha)) {
    const raw = values[field]
    const token = (Array.isArray(raw) ? raw[0] : raw)?.trim()
    if (token !== undefined && token !== '') return token
  }
  return undefined
}

export async function verifyCaptcha (captcha: CaptchaConfig, values: SubmittedValues, ip: string | undefined): Promise<CaptchaVerdict> {
  const token = findToken(captcha, values)
  if (token === undefined) return { outcome: 'spam', reason: 'captcha_missing' }
  // Provider tokens are a few kilobytes at most; anything longer is not a token.
  if (token.length > 8192) return { outcome: 'spam', reason: 'captcha_failed', detail: 'token too long' }
  const spec = PROVIDERS[captcha.provider]
  let answer
  try {
    const res = await request(captcha.verifyUrl ?? spec.verifyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(spec.params({ secret: captcha.secret, token, ip, siteKey: captcha.siteKey })).toString(),
      headersTimeout: captcha.timeoutMs,
      bodyTimeout: captcha.timeoutMs,
      signal: AbortSignal.timeout(captcha.timeoutMs)
    })
    const text = await res.body.text()
    if (res.statusCode !== 200) return { outcome: 'unverified', detail: `verify endpoint answered HTTP ${res.statusCode}` }
    answer = spec.parse(JSON.parse(text.slice(0, 65_536)))
  } catch (err) {
    const e = err as { code?: unknown, name?: unknown }
    return { outcome: 'unverified', detail: `verify request failed (${String(e.code ?? e.name ?? 'error')})` }
  }
  if (!answer.success) return { outcome: 'spam', reason: 'captcha_failed', detail: answer.errors.join(',').slice(0, 200) }
  if (captcha.provider === 'recaptcha-v3') {
    if (answer.score === undefined || answer.score < captcha.minScore) {
      return { outcome: 'spam', reason: 'captcha_score', detail: `score ${answer.score ?? 'missing'} < ${captcha.minScore}` }
    }
  }
  if (captcha.action !== undefined && answer.action !== undefined && answer.action !== captcha.action) {
    return { outcome: 'spam', reason: 'captcha_action', detail: `action "${answer.action.slice(0, 60)}"` }
  }
  return { outcome: 'passed', ...(answer.score !== undefined ? { score: answer.score } : {}) }
}
