/**
 * The admin API (bearer token): search and show submissions with their attempts, retry dead
 * letters, delete one submission, erase one person's data, and the mapping dry run.
 * zod validates every input; the route schemas only document them for /docs/json.
 */
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify'
import { z } from 'zod'
import { FORM_ID_PATTERN, type RelayConfig } from '../../config/schema.ts'
import { AdminInputError, AdminUnsupportedError, NotDeadError, SubmissionNotFoundError } from '../../errors.ts'
import { requeueAllDead, type SubmissionAdmin } from '../../outbox/admin-types.ts'
import { contactMatcher } from '../../outbox/contact-match.ts'
import type { SpamStore } from '../../security/spam-store.ts'
import type { Outbox, SubmissionRecord, SubmissionSummary } from '../../outbox/types.ts'
import { maskDeep } from './admin-mask.ts'
import { dryRunRoutes } from './admin-dry-run.ts'
import { searchByContact } from './contact-search.ts'

export interface AdminDeps {
  config: () => RelayConfig
  outbox: Outbox
  admin?: SubmissionAdmin
  /** Held spam may hold the same person's data; an erase request covers it too. */
  spamStore?: SpamStore
  now: () => number
  auth: onRequestHookHandler
}

const STATUSES = ['pending', 'leased', 'delivered', 'dead', 'held'] as const
/** A time as epoch milliseconds or an ISO 8601 date. */
const timeSchema = z.union([
  z.string().regex(/^\d{1,15}$/).transform(Number),
  z.iso.datetime({ offset: true }).transform(s => Date.parse(s)),
  z.iso.date().transform(s => Date.parse(s))
])
/** A submission id in a URL: opaque (SQLite's ULIDs, BullMQ's job ids), so only its characters are checked. */
export const idSchema = z.string().regex(/^[0-9A-Za-z_-]{1,64}$/)

const listQuery = z.object({
  status: z.string().regex(/^[a-z,]+$/).transform(s => s.split(',').filter(Boolean))
    .pipe(z.array(z.enum(STATUSES))).optional().describe('Comma-separated: pending,leased,delivered,dead,held'),
  form: z.string().min(1).max(64).optional(),
  portal: z.string().min(1).max(64).optional(),
  from: timeSchema.optional().describe('Created at or after (epoch ms or ISO 8601)'),
  to: timeSchema.optional().describe('Created before (epoch ms or ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: idSchema.optional().describe('The `next` of the previous page'),
  email: z.string().trim().min(3).max(254).optional().describe('Only submissions holding this e-mail (any case)'),
  phone: z.string().trim().min(5).max(40).optional().describe('Only submissions holding this phone, in any notation'),
  country: z.string().length(2).toUpperCase().optional().describe('Reads a phone without a country code (default RU)'),
  reveal: z.enum(['0', '1']).optional().describe('1 shows contact data unmasked')
}).strict()
const showQuery = z.object({ reveal: z.enum(['0', '1']).optional() }).strict()
const idParams = z.object({ id: idSchema }).strict()
const retryAllQuery = z.object({ portal: z.string().min(1).max(64).optional() }).strict()
const heldQuery = z.object({
  form: z.string().regex(FORM_ID_PATTERN).optional().describe('Only this form\'s held submissions'),
  limit: z.coerce.number().int().min(1).max(1_000_000).optional().describe('At most this many, oldest first (default: all)')
}).strict()
const eraseBody = z.object({
  email: z.string().trim().min(3).max(254).optional(),
  phone: z.string().trim().min(5).max(40).optional(),
  defaultCountry: z.string().length(2).toUpperCase().optional()
}).strict().refine(b => b.email !== undefined || b.phone !== undefined, 'give email or phone')

function parse<T extends z.ZodType> (schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value ?? {})
  if (!parsed.success) {
    throw new AdminInputError(parsed.error.issues.map(i => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '))
  }
  return parsed.data
}

const doc = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>

/** What an operator sees of a submission: contact data masked unless revealed. */
export function submissionView (s: SubmissionSummary | SubmissionRecord, reveal: boolean): Record<string, unknown> {
  const shown = (v: unknown): unknown => reveal ? v : maskDeep(v)
  return {
    id: s.id,
    formId: s.formId,
    portalId: s.portalId,
    status: s.status,
    attempts: s.attempts,
    outcomeUnknown: s.outcomeUnknown,
    leadId: s.leadId,
    lastError: shown(s.lastError),
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    nextAttemptAt: s.nextAttemptAt,
    deliveredAt: s.deliveredAt,
    fields: shown(s.payload.fields ?? null),
    meta: shown(s.meta),
    ...('history' in s ? { history: s.history.map(a => ({ ...a, error: shown(a.error) })) } : {})
  }
}

export async function adminRoutes (app: FastifyInstance, deps: AdminDeps): Promise<void> {
  app.addHook('onRequest', deps.auth)
  // zod checks inputs in the handlers; the JSON schemas below are documentation only.
  app.setValidatorCompiler(() => () => true)
  const security: Array<Record<string, string[]>> = [{ adminToken: [] }]
  const needAdmin = (what: string): SubmissionAdmin => {
    if (deps.admin === undefined) throw new AdminUnsupportedError(what)
    return deps.admin
  }
  const audit = (request: FastifyRequest, facts: object, msg: string): void => { request.log.info({ admin: true, ...facts }, msg) }

  app.get('/admin/submissions', {
    schema: { tags: ['admin'], security, summary: 'List and search submissions, newest first', querystring: doc(listQuery) }
  }, async request => {
    const q = parse(listQuery, request.query)
    const filter = {
      ...(q.status !== undefined ? { status: q.status } : {}),
      ...(q.form !== undefined ? { formId: q.form } : {}),
      ...(q.portal !== undefined ? { portalId: q.portal } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
      ...(q.before !== undefined ? { before: q.before } : {})
    }
    const contact = q.email !== undefined || q.phone !== undefined
      ? {
          ...(q.email !== undefined ? { email: q.email } : {}),
          ...(q.phone !== undefined ? { phone: q.phone } : {}),
          ...(q.country !== undefined ? { defaultCountry: q.country } : {})
        }
      : undefined
    const page = contact === undefined
      ? await needAdmin('search').list({ limit: q.limit, ...filter })
      : await searchByContact(needAdmin('search'), contact, filter, q.limit)
    if (contact !== undefined) {
      audit(request, { count: page.items.length, by: q.email !== undefined ? 'email' : 'phone' }, 'admin searched by contact')
    }
    if (q.reveal === '1') audit(request, { count: page.items.length }, 'admin revealed contact data of a list')
    const items = page.items.map(s => submissionView(s, q.reveal === '1'))
    return { ok: true, items, ...(page.next !== undefined ? { next: page.next } : {}) }
  })

  app.get('/admin/submissions/:id', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'One submission with every delivery attempt and the portal\'s messages',
      params: doc(idParams),
      querystring: doc(showQuery)
    }
  }, async request => {
    const { id } = parse(idParams, request.params)
    const { reveal } = parse(showQuery, request.query)
    const record = await deps.outbox.get(id)
    if (record === undefined) throw new SubmissionNotFoundError(id)
    if (reveal === '1') audit(request, { submissionId: id }, 'admin revealed contact data')
    return { ok: true, revealed: reveal === '1', submission: submissionView(record, reveal === '1') }
  })

  app.post('/admin/submissions/:id/retry', {
    schema: { tags: ['admin'], security, summary: 'Put one dead letter back in the queue', params: doc(idParams) }
  }, async request => {
    const { id } = parse(idParams, request.params)
    if (!await deps.outbox.requeueDead(id)) {
      const record = await deps.outbox.get(id)
      if (record === undefined) throw new SubmissionNotFoundError(id)
      throw new NotDeadError(id, record.status)
    }
    audit(request, { submissionId: id }, 'admin requeued a dead letter')
    return { ok: true, id, status: 'pending' }
  })

  app.post('/admin/dead-letters/retry', {
    schema: {
      tags: ['admin'], security, summary: 'Put every dead letter (of one portal) back in the queue', querystring: doc(retryAllQuery)
    }
  }, async request => {
    const { portal } = parse(retryAllQuery, request.query)
    const requeued = await requeueAllDead(deps.outbox, portal)
    audit(request, { requeued, portalId: portal }, 'admin requeued dead letters')
    return { ok: true, requeued }
  })

  app.get('/admin/held', {
    schema: { tags: ['admin'], security, summary: 'Submissions held during a flood: how many, and since when it has been quiet' }
  }, async () => {
    const stats = await deps.outbox.stats()
    return { ok: true, held: stats.held, newestHeldAt: stats.newestHeldAt, flood: deps.config().flood }
  })

  app.post('/admin/held/release', {
    schema: {
      tags: ['admin'],
      security,
      querystring: doc(heldQuery),
      summary: 'Release held submissions now (oldest first): they are delivered like any other'
    }
  }, async request => {
    const q = parse(heldQuery, request.query)
    const released = await allHeld(q, opts => deps.outbox.releaseHeld(opts))
    audit(request, { released, formId: q.form }, 'admin released held submissions')
    return { ok: true, released }
  })

  app.post('/admin/held/discard', {
    schema: {
      tags: ['admin'],
      security,
      querystring: doc(heldQuery),
      summary: 'Delete held submissions (the flood was spam); they are never delivered'
    }
  }, async request => {
    const q = parse(heldQuery, request.query)
    const discarded = await allHeld(q, opts => deps.outbox.discardHeld(opts))
    audit(request, { discarded, formId: q.form }, 'admin discarded held submissions')
    return { ok: true, discarded }
  })

  app.delete('/admin/submissions/:id', {
    schema: { tags: ['admin'], security, summary: 'Delete one submission and its attempt history', params: doc(idParams) }
  }, async request => {
    const { id } = parse(idParams, request.params)
    if (!await needAdmin('deleting submissions').delete(id)) throw new SubmissionNotFoundError(id)
    audit(request, { submissionId: id }, 'admin deleted a submission')
    return { ok: true, id, deleted: true }
  })

  app.post('/admin/erase', {
    schema: {
      tags: ['admin'],
      security,
      summary: 'Erase every submission holding this e-mail or phone (personal-data requests)',
      body: doc(eraseBody)
    }
  }, async request => {
    const body = parse(eraseBody, request.body)
    const query = {
      ...(body.email !== undefined ? { email: body.email } : {}),
      ...(body.phone !== undefined ? { phone: body.phone } : {}),
      ...(body.defaultCountry !== undefined ? { defaultCountry: body.defaultCountry } : {})
    }
    const erased = await needAdmin('erasing personal data').eraseByContact(query)
    const erasedSpam = deps.spamStore === undefined ? 0 : await deps.spamStore.erase(contactMatcher(query))
    audit(request, { erased, erasedSpam, by: body.email !== undefined ? 'email' : 'phone' }, 'admin erased personal data')
    return { ok: true, erased, erasedSpam }
  })

  await app.register(dryRunRoutes, { config: deps.config, now: deps.now, security })
}

/** Releases or discards held submissions page by page until `limit` (default all) or none are left. */
export async function allHeld (
  q: { form?: string | undefined, limit?: number | undefined }, act: (opts: { limit: number, formId?: string }) => Promise<number>
): Promise<number> {
  const PAGE = 500
  let total = 0
  const wanted = q.limit ?? Number.MAX_SAFE_INTEGER
  for (let page = 0; page < 100_000 && total < wanted; page++) {
    const n = await act({ limit: Math.min(PAGE, wanted - total), ...(q.form !== undefined ? { formId: q.form } : {}) })
    total += n
    if (n === 0) break
  }
  return total
}
