/**
 * Files go after the add, never inside a batch: into the form's file field (crm.<entity>.update
 * with fileData) or as a timeline comment with FILES. Each step looks first whether it already ran
 * (the field holds files; a comment carries this submission's files marker), so a retry after an
 * unknown outcome never attaches twice. The record exists by now: a failure here retries the
 * submission with outcomeUnknown set (the next attempt finds the record by ORIGIN_ID and comes back
 * here), and a refusal is logged while the record is kept.
 */
import { commentTexts, fieldOf } from '../bitrix/crm-extras.ts'
import { BitrixError } from '../bitrix/errors.ts'
import type { LeadExtras } from '../domain/lead-extras.ts'
import { DELIVERY_ERROR_CODES } from '../errors.ts'
import type { ClaimedSubmission } from '../outbox/types.ts'
import type { LoadedFile } from './file-gate.ts'
import type { RestOps } from './transports/rest-ops.ts'
import { commentText, filesMarker } from './timeline-text.ts'

export interface Target { entity: 'lead' | 'deal', id: number }

/** 'ok': go on; 'refused': the portal said no for good; 'settled': the submission was given back for a retry. */
type Step<T> = { status: 'ok', value: T } | { status: 'refused', error: BitrixError } | { status: 'settled' }

/** One call after the record exists: a limiter token, and failures settled so the next attempt looks the record up first. */
export async function afterAdd<T> (c: ClaimedSubmission, ops: RestOps, fn: () => Promise<T>): Promise<Step<T>> {
  if (!await ops.token()) {
    await ops.settle(c, {
      action: 'retry',
      at: ops.now(),
      outcomeUnknown: true,
      error: { code: DELIVERY_ERROR_CODES.stopped, message: 'the worker stopped before the follow-up steps' }
    })
    return { status: 'settled' }
  }
  try {
    return { status: 'ok', value: await fn() }
  } catch (err) {
    if (!(err instanceof BitrixError)) throw err
    if (err.kind === 'rate_limit') ops.penalize()
    const d = ops.decideFor(c, err)
    if (d.action === 'dead') return { status: 'refused', error: err }
    // Even a "not executed" answer (rate limit, paused webhook) must not drop outcomeUnknown: the record exists.
    const at = d.action === 'retry' ? d.at : ops.now()
    await ops.settle(c, {
      action: 'retry',
      at,
      outcomeUnknown: true,
      error: { code: err.code, message: err.b24Description ?? err.message },
      ...(d.portal !== undefined ? { portal: d.portal } : {})
    })
    return { status: 'settled' }
  }
}

const hasValue = (v: unknown): boolean => v !== undefined && v !== null && v !== '' && v !== false && !(Array.isArray(v) && v.length === 0)

type FormText = { name: string, language: 'ru' | 'en' }

/** Logs a refusal that will not change; the record is kept and the submission completed. */
function refusedStep (c: ClaimedSubmission, ops: RestOps, target: Target, step: string, error: BitrixError): true {
  ops.log.error({
    portalId: ops.portalId,
    submissionId: c.id,
    entity: target.entity,
    id: target.id,
    step,
    code: error.code,
    reason: error.b24Description ?? error.message
  }, 'files were not attached; the record is kept')
  return true
}

/**
 * The files comment, guarded by its marker: the files named (a neutral note on those not
 * attached), with their bytes as FILES when `attach` is set. Resolves false when settled for a retry.
 */
async function filesComment (c: ClaimedSubmission, files: LoadedFile[], attach: boolean, target: Target, ops: RestOps,
  form: FormText): Promise<boolean> {
  const call = ops.client.call
  const marker = filesMarker(c.id)
  const texts = await afterAdd(c, ops, async () => await commentTexts(call, target.entity, target.id))
  if (texts.status === 'settled') return false
  if (texts.status === 'refused') return refusedStep(c, ops, target, 'comment.list', texts.error)
  if (texts.value.some(t => t.includes(marker))) return true
  const attached = attach ? files.filter(f => f.content !== undefined).map(f => [f.name, f.content]) : []
  const text = commentText({
    kind: 'files',
    language: form.language,
    formName: form.name,
    submissionId: c.id,
    createdAt: c.createdAt,
    files: files.map(f => ({ name: f.name, notAttached: f.failed !== undefined }))
  })
  const added = await afterAdd(c, ops, async () => await call('crm.timeline.comment.add', {
    fields: { ENTITY_ID: target.id, ENTITY_TYPE: target.entity, COMMENT: text, ...(attached.length > 0 ? { FILES: attached } : {}) }
  }))
  if (added.status === 'settled') return false
  return added.status === 'refused' ? refusedStep(c, ops, target, 'comment.add', added.error) : true
}

/** Resolves true when the submission may be completed, false when it was settled for a retry. */
export async function attachFiles (c: ClaimedSubmission, spec: NonNullable<LeadExtras['files']>, loaded: LoadedFile[], target: Target,
  ops: RestOps, form: FormText): Promise<boolean> {
  if (spec.target === undefined) return await filesComment(c, loaded, true, target, ops, form)
  // Files that could not be had are named in a comment (its own guard), the rest go to the field.
  const missing = loaded.filter(f => f.failed !== undefined)
  if (missing.length > 0 && !await filesComment(c, missing, false, target, ops, form)) return false
  const field = spec.target
  const call = ops.client.call
  const current = await afterAdd(c, ops, async () => await fieldOf(call, target.entity, target.id, field))
  if (current.status === 'settled') return false
  if (current.status === 'refused') return refusedStep(c, ops, target, 'get', current.error)
  if (hasValue(current.value)) return true
  const files = loaded.filter(f => f.content !== undefined)
  if (files.length === 0) return true
  const done = await afterAdd(c, ops, async () => await call(`crm.${target.entity}.update`, {
    id: target.id,
    fields: { [field]: files.map(f => ({ fileData: [f.name, f.content] })) }
  }))
  if (done.status === 'settled') return false
  return done.status === 'refused' ? refusedStep(c, ops, target, 'update', done.error) : true
}
