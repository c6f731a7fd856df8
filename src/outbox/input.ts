/** Checks and serialises what callers hand to an Outbox, the same way for every adapter. */
import { StoreError } from './errors.ts'
import { newSubmissionId } from './ids.ts'
import { DEFAULT_DEDUPE_WINDOW_MS, type ClaimOptions, type NewSubmission } from './types.ts'

/** A submission ready to store: id drawn, JSON written, dedupe expiry computed. */
export interface PreparedSubmission {
  id: string
  formId: string
  portalId: string
  payload: string
  meta: string | null
  dedupeKey: string | null
  fingerprint: string | null
  expiresAt: number
  held: boolean
  now: number
}

export function inputError (message: string, cause?: unknown): StoreError {
  return new StoreError('RELAY_ERR_STORE_INPUT', message, { cause })
}

// Serialising before a submission joins a group commit keeps one bad payload from failing the others.
// `now` is the adapter's clock at the call: the id, the dedupe expiry and createdAt all come from it.
export function prepareSubmission (sub: NewSubmission, now: number): PreparedSubmission {
  if (typeof sub.formId !== 'string' || sub.formId === '') throw inputError('formId must be a non-empty string')
  if (typeof sub.portalId !== 'string' || sub.portalId === '') throw inputError('portalId must be a non-empty string')
  const windowMs = sub.dedupeWindowMs ?? DEFAULT_DEDUPE_WINDOW_MS
  if (!Number.isFinite(now)) throw inputError('the clock must give a finite number')
  if (!(windowMs >= 0)) throw inputError('dedupeWindowMs must be >= 0')
  return {
    id: newSubmissionId(now),
    formId: sub.formId,
    portalId: sub.portalId,
    payload: toJson('payload', sub.payload),
    meta: sub.meta === undefined ? null : toJson('meta', sub.meta),
    dedupeKey: sub.dedupeKey ?? null,
    fingerprint: sub.dedupeFingerprint ?? null,
    expiresAt: now + windowMs,
    held: sub.hold === true,
    now
  }
}

export function checkClaim (opts: ClaimOptions): void {
  if (!Number.isInteger(opts.limit) || opts.limit < 1) throw inputError('claim limit must be an integer >= 1')
  if (!(opts.leaseMs > 0)) throw inputError('claim leaseMs must be > 0')
}

function toJson (what: string, value: unknown): string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw inputError(`${what} must be an object`)
  try {
    return JSON.stringify(value)
  } catch (err) {
    throw inputError(`${what} cannot be stored as JSON`, err)
  }
}

export function checkLeadId (leadId: number): void {
  if (!Number.isSafeInteger(leadId)) throw inputError('leadId must be an integer')
}

export function checkLimit (what: string, limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw inputError(`${what} limit must be an integer >= 1`)
}

/**
 * The payload of a delivered submission without its file bytes (`extras.files.items[].content`),
 * or undefined when it holds none. Once delivered the files live in the portal; keeping megabytes
 * of base64 per row would only grow the store.
 */
export function withoutFileBytes (payload: Record<string, unknown>): Record<string, unknown> | undefined {
  const extras = payload.extras as { files?: { items?: unknown } } | undefined
  const items = extras?.files?.items
  if (!Array.isArray(items) || !items.some(f => typeof f === 'object' && f !== null && Object.hasOwn(f, 'content'))) return undefined
  const stripped = items.map(f => {
    if (typeof f !== 'object' || f === null) return f
    const { content: _content, ...rest } = f as Record<string, unknown>
    return rest
  })
  return { ...payload, extras: { ...extras, files: { ...extras!.files, items: stripped } } }
}
