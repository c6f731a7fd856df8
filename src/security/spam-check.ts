/**
 * The spam verdict of one submission: honeypot, then fill time, then the CAPTCHA (the only check
 * that costs a network call, so it runs last). Authenticated server-to-server senders skip the
 * visitor checks: their server did its own (a CAPTCHA token can be verified only once).
 */
import type { FastifyBaseLogger } from 'fastify'
import type { FormConfig } from '../config/schema.ts'
import { CaptchaUnavailableError } from '../errors.ts'
import type { SubmittedValues } from '../intake/submitted-values.ts'
import { tokenFields, verifyCaptcha } from './captcha/verify.ts'
import { fillTimeMs, filledTooFast } from './fill-time.ts'
import { honeypotFilled } from './honeypot.ts'
import type { SourceAuth } from './source-auth.ts'
import type { SpamReason } from './spam-store.ts'

export interface SpamVerdict {
  reason: SpamReason
  detail?: string
}

export interface SpamCheckInput {
  form: FormConfig
  values: SubmittedValues
  source: SourceAuth
  ip?: string | undefined
  now: number
}

export async function spamVerdict (input: SpamCheckInput, log: FastifyBaseLogger): Promise<SpamVerdict | undefined> {
  const { form, values } = input
  if (input.source.kind !== 'anonymous') return undefined
  if (honeypotFilled(form, values)) return { reason: 'honeypot' }
  if (filledTooFast(form, values, input.now)) {
    return { reason: 'too_fast', detail: `${fillTimeMs(values, input.now) ?? 0} ms < ${form.minFillMs} ms` }
  }
  if (form.captcha === undefined) return undefined
  const verdict = await verifyCaptcha(form.captcha, values, input.ip)
  if (verdict.outcome === 'passed') return undefined
  if (verdict.outcome === 'spam') {
    return { reason: verdict.reason, ...(verdict.detail !== undefined && verdict.detail !== '' ? { detail: verdict.detail } : {}) }
  }
  const err = new CaptchaUnavailableError(verdict.detail)
  const facts = { code: err.code, provider: form.captcha.provider, detail: verdict.detail, onError: form.captcha.onError }
  log.warn(facts, 'CAPTCHA not verified')
  return form.captcha.onError === 'spam' ? { reason: 'captcha_unverified', detail: verdict.detail } : undefined
}

/** The honeypot and CAPTCHA token fields are plumbing: they never reach the lead. */
export function withoutSecurityFields (form: FormConfig, values: SubmittedValues): SubmittedValues {
  const drop = new Set<string>(form.captcha !== undefined ? tokenFields(form.captcha) : [])
  if (form.honeypot !== false) drop.add(form.honeypot)
  if (![...drop].some(name => Object.hasOwn(values, name))) return values
  const out = Object.create(null) as SubmittedValues
  for (const [name, value] of Object.entries(values)) if (!drop.has(name)) out[name] = value
  return out
}
