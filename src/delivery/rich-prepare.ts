/**
 * Turns one claimed submission into a Plan; without extras that is its crm.lead.add alone. With
 * them: the responsible user's turn in the rotation, list labels as item ids, an existing contact / company bound (`duplicates: link`,
 * `entity: deal`), the timeline text. `duplicates: merge` may end here: an open lead with the same
 * phone or e-mail gets the submission as a comment (once: the comment names the submission id and
 * is looked for before writing) and no new lead is made.
 */
import { z } from 'zod'
import type { BatchCommand } from '../bitrix/batch.ts'
import { commentTexts, leadListFields, openLeads, type CommType } from '../bitrix/crm-extras.ts'
import { idSchema } from '../bitrix/schemas.ts'
import type { LeadFields, MultiFieldValue } from '../domain/lead-fields.ts'
import type { Counters } from '../outbox/counters.ts'
import { contactFields, dealFields } from './deal-fields.ts'
import type { FileGate, LinkSettings, Rich } from './file-gate.ts'
import type { RestOps } from './transports/rest-ops.ts'
import type { Plan } from './lead-plan.ts'
import { noteUnknownLabels, resolveListLabels, type ListFieldCache } from './list-fields.ts'
import type { Stored } from './stored-payload.ts'
import { commentText, type SubmissionMeta } from './timeline-text.ts'

export interface FormInfo {
  name: string
  language: 'ru' | 'en'
  /** The form's link settings now (a config reload may have tightened them since intake); absent without `files`. */
  links?: LinkSettings
}

export interface PrepareDeps {
  counters: Counters
  lists: ListFieldCache
  form: (formId: string) => FormInfo
  /**
   * entity lead: look up the deal the portal converted it into, in the same batch. Simple mode
   * converts every lead; in auto mode only submissions with extras ask (a plain one is a lead).
   */
  findConvertedDeal: (r: Stored) => boolean
  /** Where submissions wait for their file links, outside the lane (src/delivery/file-gate.ts). */
  gate: FileGate
  /** The lane's lease: a submission waits for its links at most half of it. */
  leaseMs: number
}

/** A plan to send, `done` when the submission was settled here (merged, or failed and settled). */
export type Prepared = { kind: 'plan', plan: Plan } | { kind: 'done' }

const values = (fields: LeadFields, type: 'PHONE' | 'EMAIL'): string[] =>
  Array.isArray(fields[type]) ? (fields[type] as MultiFieldValue[]).map(v => v.VALUE) : []

const idsSchema = z.union([
  z.array(z.unknown()).length(0).transform(() => ({} as Record<string, number[]>)),
  z.record(z.string(), z.preprocess(
    raw => raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? Object.values(raw) : raw,
    z.array(idSchema)
  ))
])

/** The lowest id each owner type has for these phones and e-mails, found in one batch of findbycomm commands. */
async function findOwners (
  r: Rich, ops: RestOps, owners: Array<'LEAD' | 'CONTACT' | 'COMPANY'>
): Promise<Map<string, number[]> | undefined> {
  const byType: Array<[CommType, string[]]> = [['PHONE', values(r.fields, 'PHONE')], ['EMAIL', values(r.fields, 'EMAIL')]]
  const commands: BatchCommand[] = []
  for (const owner of owners) {
    for (const [type, list] of byType) {
      if (list.length === 0) continue
      commands.push({
        key: `${owner}_${type}`,
        method: 'crm.duplicate.findbycomm',
        params: { type, values: list.slice(0, 20), entity_type: owner }
      })
    }
  }
  const found = new Map<string, number[]>(owners.map(o => [o, []]))
  if (commands.length === 0) return found
  const reply = await ops.call([r.c], async () => await ops.client.batch(commands, { halt: false }), 'crm.duplicate.findbycomm')
  if (reply === undefined) return undefined
  for (const [key, result] of Object.entries(reply.results)) {
    const owner = key.split('_')[0] as string
    const parsed = idsSchema.safeParse(result)
    const ids = parsed.success ? parsed.data[owner] ?? [] : []
    found.set(owner, [...new Set([...(found.get(owner) ?? []), ...ids])].sort((a, b) => a - b))
  }
  return found
}

async function metaOf (ops: RestOps, id: string): Promise<SubmissionMeta | undefined> {
  const rec = await ops.outbox.get(id)
  return (rec?.meta ?? undefined) as SubmissionMeta | undefined
}

/**
 * A merged submission has no add to carry its TRACE, so the trace is linked to the open lead with
 * crm.tracking.trace.add, as the portal's docs say for records that already exist. A failure is
 * logged, never a reason to send the comment again.
 */
async function linkTrace (r: Rich, leadId: number, ops: RestOps): Promise<void> {
  const trace = r.fields.TRACE
  if (typeof trace !== 'string' || !(await ops.token())) return
  try {
    await ops.client.call('crm.tracking.trace.add', { TRACE: trace, ENTITIES: [{ TYPE: 'LEAD', ID: leadId }] })
  } catch (err) {
    ops.log.warn({ portalId: ops.portalId, submissionId: r.c.id, leadId, err }, 'trace not linked to the merged lead')
  }
}

/** `duplicates: merge` with an open lead: one comment on it, guarded by the submission id. */
async function mergeInto (r: Rich, leadId: number, ops: RestOps, deps: PrepareDeps): Promise<Prepared> {
  const { c } = r
  const seen = await ops.call([c], async () => await commentTexts(ops.client.call, 'lead', leadId), 'crm.timeline.comment.list')
  if (seen === undefined) return { kind: 'done' }
  if (!seen.some(text => text.includes(c.id))) {
    const info = deps.form(c.formId)
    const files = r.files ?? []
    const text = commentText({
      kind: 'repeat',
      language: info.language,
      formName: info.name,
      submissionId: c.id,
      createdAt: c.createdAt,
      meta: await metaOf(ops, c.id),
      files: files.map(f => ({ name: f.name, notAttached: f.failed !== undefined }))
    })
    const attached = files.filter(f => f.content !== undefined).map(f => [f.name, f.content])
    const added = await ops.call([c], async () => await ops.client.call('crm.timeline.comment.add', {
      fields: { ENTITY_ID: leadId, ENTITY_TYPE: 'lead', COMMENT: text, ...(attached.length > 0 ? { FILES: attached } : {}) }
    }), 'crm.timeline.comment.add')
    if (added === undefined) return { kind: 'done' }
    // Only with the comment just added: a retry after a crash skips both, so the trace is never linked twice.
    await linkTrace(r, leadId, ops)
  }
  ops.log.info({ portalId: ops.portalId, submissionId: c.id, leadId }, 'repeat submission merged into an open lead')
  await ops.delivered(c, leadId, false)
  return { kind: 'done' }
}

export async function prepare (r: Rich, ops: RestOps, deps: PrepareDeps): Promise<Prepared> {
  const { c, extras } = r
  const info = deps.form(c.formId)
  let fields: LeadFields = { ...r.fields, ORIGINATOR_ID: ops.originatorId, ORIGIN_ID: c.id }

  if (extras.assignees !== undefined) {
    // One turn per delivery attempt, kept in the store: shared by every worker, it survives restarts.
    const turn = await deps.counters.next(`assignee:${c.portalId}:${c.formId}`, extras.assignees.length)
    fields.ASSIGNED_BY_ID = extras.assignees[turn] as number
  }

  if (extras.listFields !== undefined) {
    const lists = await deps.lists.get(async () =>
      await ops.call([c], async () => await leadListFields(ops.client.call), 'crm.lead.userfield.list'))
    if (lists === undefined) return { kind: 'done' }
    const resolved = resolveListLabels(fields, extras.listFields, lists)
    fields = noteUnknownLabels(resolved.fields, resolved.unknown, info.language)
  }

  const isDeal = extras.entity === 'deal'
  let contactId: number | undefined
  if (extras.duplicates !== undefined) {
    const owners = extras.duplicates === 'merge' ? ['LEAD' as const] : ['CONTACT' as const, 'COMPANY' as const]
    const found = await findOwners(r, ops, owners)
    if (found === undefined) return { kind: 'done' }
    if (extras.duplicates === 'merge') {
      const open = await ops.call([c], async () => await openLeads(ops.client.call, found.get('LEAD') ?? []), 'crm.lead.list')
      if (open === undefined) return { kind: 'done' }
      if (open[0] !== undefined) return await mergeInto(r, open[0], ops, deps)
    } else {
      contactId = found.get('CONTACT')?.[0]
      const companyId = found.get('COMPANY')?.[0]
      // Bitrix24 marks a lead bound to a known contact or company as a returning customer.
      if (contactId !== undefined) fields.CONTACT_ID = contactId
      if (companyId !== undefined) fields.COMPANY_ID = companyId
    }
  }

  const timeline = extras.timeline === true
    ? commentText({
      kind: 'submission',
      language: info.language,
      formName: info.name,
      submissionId: c.id,
      createdAt: c.createdAt,
      meta: await metaOf(ops, c.id),
      files: extras.files?.items.map(f => ({ name: f.name }))
    })
    : undefined
  const plan: Plan = {
    c,
    entity: isDeal ? 'deal' : 'lead',
    fields: isDeal ? dealFields(fields, info.language) : fields,
    ...(isDeal && contactId === undefined ? { contact: contactFields(fields) } : {}),
    ...(timeline !== undefined ? { timeline } : {}),
    ...(extras.product !== undefined ? { product: extras.product } : {}),
    findDeal: !isDeal && deps.findConvertedDeal(r)
  }
  return { kind: 'plan', plan }
}
