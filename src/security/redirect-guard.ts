/**
 * Open-redirect guard for `_next`: a visitor-supplied redirect target is honoured only when it is
 * an absolute http(s) URL on one of the form's allowed origins (or the relay itself). Configured
 * successUrl / errorUrl are trusted as written. A form without `origins` never honours `_next`.
 */
import type { SubmittedValues } from '../intake/submitted-values.ts'
import { originInList } from './origin-policy.ts'

export const NEXT_FIELD = '_next'

/** The safe redirect target for `_next`, or undefined (then the configured target is used). */
export function safeNext (origins: readonly string[] | undefined, values: SubmittedValues, self: string): string | undefined {
  const raw = values[NEXT_FIELD]
  const text = (Array.isArray(raw) ? raw[0] : raw)?.trim()
  if (text === undefined || text === '' || origins === undefined || text.length > 2000) return undefined
  return allowedRedirect(origins, text, self)
}

/** The URL, normalised, if it points into the allowed origins; undefined otherwise. */
export function allowedRedirect (origins: readonly string[], target: string, self: string): string | undefined {
  let url: URL
  try {
    // No base: relative and scheme-relative (//evil.example) targets are not absolute and are refused.
    url = new URL(target)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined
  if (!/^https?:\/\//i.test(target)) return undefined
  const origin = url.origin
  // `*` means "any page may post", not "redirect anywhere": an open redirect needs an explicit origin.
  const explicit = origins.filter(o => o !== '*')
  return origin === self || originInList(explicit, origin) ? url.href : undefined
}
