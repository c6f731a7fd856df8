/**
 * The one path that writes to the outbox: map the submitted values to lead fields, reject visitor
 * errors, compute the double-submit key and store the submission durably. The caller answers 2xx
 * only after this resolves.
 *
 * Keys are scoped to the form and the sender (the secret or signature holder, else the client
 * address), so nobody can take a key or a body another visitor will send: an attacker's post with
 * `Idempotency-Key: order-1234` holds that key for the attacker's address only. A key reused by
 * the same sender with other values is refused (409) rather than answered with the first id.
 */
import { hash } from 'node:crypto'
import { own } from '../config/own.ts'
import type { FormConfig, RelayConfig } from '../config/schema.ts'
import { IdempotencyMismatchError, StoreUnavailableError, ValidationError } from '../errors.ts'
import type { LeadExtras } from '../domain/lead-extras.ts'
import type { StoredFile } from '../domain/stored-file.ts'
import { mapExtras } from '../mapping/extras.ts'
import { mapSubmission, mergeDictionaries, type DroppedValue, type MapResult } from '../mapping/index.ts'
import { invalidValuesFor } from '../mapping/invalid-values.ts'
import type { KeptValue } from '../mapping/lead-draft.ts'
import { StoreError } from '../outbox/errors.ts'
import type { Outbox } from '../outbox/types.ts'
import type { SubmittedValues } from './submitted-values.ts'

export interface SubmissionInput {
  formId: string
  /** The form `formId` names, looked up once by the route (an unknown one was refused there). */
  form: FormConfig
  values: SubmittedValues
  referer?: string
  ip?: string
  userAgent?: string
  idempotencyKey?: string
  /** Files accepted at intake (within the form's `files` limits); kept in payload.extras. */
  files?: StoredFile[]
  /** Who sent it (IntakeGuard.sender): the scope of its Idempotency-Key and of the double-submit window. */
  sender: string
  /** Its form is flooded: store it held (answered as accepted, delivered once released). */
  hold?: boolean
}

export interface Accepted {
  id: string
  duplicate: boolean
  /** Tracking values left out of the lead (noted in its COMMENTS), for the caller's log. */
  dropped?: DroppedValue[]
  /** Values that failed their check and went to COMMENTS as typed (the lead is delivered all the same). */
  kept?: KeptValue[]
}

export interface AcceptDeps {
  config: RelayConfig
  outbox: Outbox
  now: () => number
}

/** Fields whose value changes on every post of the same form (timestamps, captcha tokens): not part of "the same submission". */
// visited_pages holds "seconds before sending" and b24_trace the tracker's state: both change between two clicks.
const VOLATILE =
  /^(_ts|_shown_at|_wpnonce|_wpcf7.*|g-recaptcha-response|cf-turnstile-response|h-captcha-response|smart-token|_gotcha|visited_pages|b24_trace)$/

/** What a submission is stored as: its lead fields, extras and double-submit key. */
export interface PreparedForStore {
  mapped: MapResult
  extras: LeadExtras | undefined
  key: DedupeKey
}

/**
 * Everything the intake does to a submission short of storing it; throws ValidationError for
 * visitor errors. The warm-up runs it too (src/process/warm-up.ts), so it warms what intake runs.
 */
export function prepareForStore (deps: Pick<AcceptDeps, 'config' | 'now'>, input: SubmissionInput): PreparedForStore {
  const { form } = input
  const portal = own(deps.config.portals, form.portal)
  const mapped = mapSubmission({
    formId: input.formId,
    form,
    dictionaries: dictionariesOf(portal),
    values: input.values,
    referer: input.referer,
    invalidValues: invalidValuesFor(form, input.userAgent),
    now: new Date(deps.now())
  })
  if (Object.keys(mapped.errors).length > 0) throw new ValidationError(mapped.errors)
  // Duplicates, entity, timeline, rotation, list fields, product row, files: see src/domain/lead-extras.ts.
  const extras = mapExtras({
    form, values: input.values, fields: mapped.fields, ...(input.files !== undefined ? { files: input.files } : {})
  })
  return { mapped, extras, key: dedupeKey(input) }
}

export async function acceptSubmission (deps: AcceptDeps, input: SubmissionInput): Promise<Accepted> {
  const { form } = input
  const { mapped, extras, key } = prepareForStore(deps, input)
  let result: Accepted & { mismatch?: boolean }
  try {
    result = await deps.outbox.enqueue({
      formId: input.formId,
      portalId: form.portal,
      payload: { fields: mapped.fields, ...(extras !== undefined ? { extras } : {}) },
      meta: { values: input.values, referer: input.referer, ip: input.ip, userAgent: input.userAgent },
      dedupeKey: key.key,
      ...(key.fingerprint !== undefined ? { dedupeFingerprint: key.fingerprint } : {}),
      dedupeWindowMs: key.fingerprint !== undefined ? deps.config.delivery.idempotencyWindowMs : deps.config.delivery.dedupeWindowMs,
      ...(input.hold === true ? { hold: true } : {})
    })
  } catch (err) {
    // Whatever the store's trouble (disk, lock, Redis away), the visitor gets 503 and nothing counts as accepted.
    if (err instanceof StoreError) throw new StoreUnavailableError({ cause: err })
    throw err
  }
  if (result.mismatch === true) throw new IdempotencyMismatchError()
  return {
    id: result.id,
    duplicate: result.duplicate,
    ...(mapped.dropped.length > 0 ? { dropped: mapped.dropped } : {}),
    ...(mapped.kept.length > 0 ? { kept: mapped.kept } : {})
  }
}

// Built once per portal config object (a reload brings new ones), not once per submission.
const dictionaries = new WeakMap<object, ReturnType<typeof mergeDictionaries>>()
function dictionariesOf (portal: RelayConfig['portals'][string] | undefined): ReturnType<typeof mergeDictionaries> {
  if (portal === undefined) return mergeDictionaries({})
  let merged = dictionaries.get(portal)
  if (merged === undefined) {
    merged = mergeDictionaries(portal.dictionaries ?? {})
    dictionaries.set(portal, merged)
  }
  return merged
}

export interface DedupeKey {
  key: string
  /** With an Idempotency-Key: what the values hash to, so a reuse with other values is told apart. */
  fingerprint?: string
}

/**
 * Same form + same sender + same values inside the double-submit window, or the same
 * Idempotency-Key from the same sender inside the key window = one submission.
 */
export function dedupeKey (input: Pick<SubmissionInput, 'formId' | 'values' | 'idempotencyKey' | 'files' | 'sender'>): DedupeKey {
  // Each hash gets one string, NUL-separated: the same bytes as one update() per piece (a hash of a
  // stream is a hash of its concatenation), hashed in one call without a Hash object.
  const scope = (kind: string, rest: string): string =>
    hash('sha256', kind + '\0' + input.formId + '\0' + input.sender + '\0' + rest, 'base64url')
  let values = ''
  for (const name of Object.keys(input.values).sort()) {
    if (VOLATILE.test(name)) continue
    values += name + '\0' + JSON.stringify(input.values[name]) + '\0'
  }
  // The same text with another attachment is another submission.
  for (const file of input.files ?? []) values += file.name + '\0' + (file.content ?? file.url ?? '') + '\0'
  const fingerprint = hash('sha256', values, 'base64url')
  if (input.idempotencyKey !== undefined) return { key: 'key:' + scope('key', input.idempotencyKey), fingerprint }
  return { key: 'values:' + scope('values', fingerprint) }
}
