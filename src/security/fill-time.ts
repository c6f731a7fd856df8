/**
 * Minimum fill time: the embed script stamps `_ts` (epoch ms when the form was shown); a form sent
 * back faster than `minFillMs` was not filled by a person. A `_ts` in the future means the
 * visitor's clock is ahead of the relay's, so it proves nothing and is not held against them.
 */
import type { FormConfig } from '../config/schema.ts'
import type { SubmittedValues } from '../intake/submitted-values.ts'

export const SHOWN_AT_FIELD = '_ts'

/** Milliseconds between showing and sending the form, or undefined when `_ts` is absent or unusable. */
export function fillTimeMs (values: SubmittedValues, nowMs: number): number | undefined {
  const raw = values[SHOWN_AT_FIELD]
  const text = Array.isArray(raw) ? raw[0] : raw
  if (text === undefined || !/^\d{1,15}$/.test(text.trim())) return undefined
  const elapsed = nowMs - Number(text.trim())
  return elapsed < 0 ? undefined : elapsed
}

export function filledTooFast (form: Pick<FormConfig, 'minFillMs'>, values: SubmittedValues, nowMs: number): boolean {
  if (form.minFillMs <= 0) return false
  const elapsed = fillTimeMs(values, nowMs)
  return elapsed !== undefined && elapsed < form.minFillMs
}
