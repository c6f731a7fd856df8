/**
 * The one path that writes to the outbox: map the submitted values to lead fields, reject visitor
 * errors, compute the double-submit key and store the submission durably. The caller answers 2xx
 * only after this resolves.
 */
import { createHash } from 'node:crypto'
import { own } from '../config/own.ts'
import type { RelayConfig } from '../config/schema.ts'
import { StoreUnavailableError, UnknownFormError, ValidationError } from '../errors.ts'
import type { StoredFile } from '../bitrix/lead-extras.ts'
import { mapExtras } from '../mapping/extras.ts'
import { mapSubmission, mergeDictionaries } from '../mapping/index.ts'
import { StoreError } from '../outbox/errors.ts'
import type { Outbox } from '../outbox/types.ts'
import type { SubmittedValues } from './submitted-values.ts'

export interface SubmissionInput {
  formId: string
  values: SubmittedValues
  referer?: string
  ip?: string
  userAgent?: string
  idempotencyKey?: string
  /** Files accepted at intake (within the form's `files` limits); kept in payload.extras. */
  files?: StoredFile[]
}

export interface Accepted {
  id: string
  duplicate: boolean
}

export interface AcceptDeps {
  config: RelayConfig
  outbox: Outbox
  now: () => number
}

/** Fields whose value changes on every post of the same form (timestamps, captcha tokens): not part of "the same submission". */
const VOLATILE = /^(_ts|_shown_at|_wpnonce|_wpcf7.*|g-recaptcha-response|cf-turnstile-response|h-captcha-response|smart-token|_gotcha)$/

export async function acceptSubmission (deps: AcceptDeps, input: SubmissionInput): Promise<Accepted> {
  const form = own(deps.config.forms, input.formId)
  if (form === undefined) throw new UnknownFormError(input.formId)
  const portal = own(deps.config.portals, form.portal)
  const nowMs = deps.now()
  const mapped = mapSubmission({
    formId: input.formId,
    form,
    dictionaries: mergeDictionaries(portal?.dictionaries ?? {}),
    values: input.values,
    referer: input.referer,
    now: new Date(nowMs)
  })
  if (Object.keys(mapped.errors).length > 0) throw new ValidationError(mapped.errors)
  // Duplicates, entity, timeline, rotation, list fields, product row, files: see src/bitrix/lead-extras.ts.
  const extras = mapExtras({ form, values: input.values, fields: mapped.fields, ...(input.files !== undefined ? { files: input.files } : {}) })
  try {
    return await deps.outbox.enqueue({
      formId: input.formId,
      portalId: form.portal,
      payload: { fields: mapped.fields, ...(extras !== undefined ? { extras } : {}) },
      meta: { values: input.values, referer: input.referer, ip: input.ip, userAgent: input.userAgent },
      dedupeKey: dedupeKey(input),
      dedupeWindowMs: deps.config.delivery.dedupeWindowMs,
      now: nowMs
    })
  } catch (err) {
    // Whatever the store's trouble (disk, lock, Redis away), the visitor gets 503 and nothing counts as accepted.
    if (err instanceof StoreError) throw new StoreUnavailableError({ cause: err })
    throw err
  }
}

/** Same form + same values (or the same Idempotency-Key) inside the window = one submission. */
export function dedupeKey (input: Pick<SubmissionInput, 'formId' | 'values' | 'idempotencyKey' | 'files'>): string {
  const hash = createHash('sha256').update(input.formId).update('\0')
  if (input.idempotencyKey !== undefined) return 'key:' + hash.update(input.idempotencyKey).digest('base64url')
  for (const name of Object.keys(input.values).sort()) {
    if (VOLATILE.test(name)) continue
    hash.update(name).update('\0').update(JSON.stringify(input.values[name])).update('\0')
  }
  // The same text with another attachment is another submission.
  for (const file of input.files ?? []) hash.update(file.name).update('\0').update(file.content ?? file.url ?? '').update('\0')
  return 'values:' + hash.digest('base64url')
}
