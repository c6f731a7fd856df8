/**
 * POST /f/:formId — the intake. Accepts urlencoded, multipart, JSON and text/plain-JSON bodies,
 * stores the submission durably and answers: 202 JSON for scripts, 303 for browsers.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { registerRawBodyParsers, type RawBody } from '../../intake/raw-body-parsers.ts'
import { FORM_ID_PATTERN, type FormConfig, type RelayConfig } from '../../config/schema.ts'
import { BodyTooLargeError, EmptyBodyError, MethodNotAllowedError, UnknownFormError } from '../../errors.ts'
import { own } from '../../config/own.ts'
import { acceptSubmission } from '../../intake/accept-submission.ts'
import { charsetOf } from '../../intake/charset.ts'
import { decodeJson, decodeMultipart, decodeUrlencoded } from '../../intake/decode-body.ts'
import { FileCollector, intakeBodyLimit } from '../../intake/files.ts'
import type { StoreFloor } from '../../intake/store-floor.ts'
import type { SubmittedValues } from '../../intake/submitted-values.ts'
import type { Outbox } from '../../outbox/types.ts'
import { clientAddress } from '../../security/client-address.ts'
import { createIntakeGuard, type IntakeGuardDeps } from '../../security/intake-guard.ts'
import { headerText, KEPT_HEADER_CHARS } from '../header-text.ts'
import { errorPage, postOnlyPage, thanksPage } from '../pages.ts'
import { sendJsonError, toHttpError, wantsJson } from '../error-handler.ts'

export interface SubmitRouteDeps {
  config: () => RelayConfig
  outbox: Outbox
  now: () => number
  onAccepted: (portalId: string) => void
  /** A value failed its check and was kept as typed in COMMENTS (the metric relay_values_kept_total). */
  onKept?: (formId: string, check: string) => void
  /** Rate limits, origins, sender authentication, spam (src/security/intake-guard.ts). */
  security: Omit<IntakeGuardDeps, 'config' | 'now'>
  /** Refuses new submissions before the store's disk is full (src/intake/store-floor.ts). */
  storeFloor?: StoreFloor
}

const paramsSchema = z.object({ formId: z.string().regex(FORM_ID_PATTERN) })

/** The form a request names, looked up once with the config of that moment. */
interface NamedForm { formId: string, form: FormConfig | undefined, config: RelayConfig }
type KnownForm = NamedForm & { form: FormConfig }

export async function submitRoutes (app: FastifyInstance, deps: SubmitRouteDeps): Promise<void> {
  await registerRawBodyParsers(app)
  const guard = await createIntakeGuard(app, { ...deps.security, config: deps.config, now: deps.now })

  // Looked up once, by the first hook: the rate limits, the checks, the handler and the error page
  // all see the same form, even when a reload lands while the body is read.
  const named = new WeakMap<FastifyRequest, NamedForm>()
  const nameOf = (request: FastifyRequest): NamedForm => {
    let found = named.get(request)
    if (found === undefined) {
      const config = deps.config()
      const parsed = paramsSchema.safeParse(request.params)
      found = parsed.success
        ? { formId: parsed.data.formId, form: own(config.forms, parsed.data.formId), config }
        : { formId: String((request.params as { formId?: unknown }).formId ?? ''), form: undefined, config }
      named.set(request, found)
    }
    return found
  }
  /** The form of a request past the unknown-form hook; every route of this plugin runs that hook first. */
  const knownOf = (request: FastifyRequest): KnownForm => {
    const found = named.get(request)
    if (found?.form === undefined) throw new Error('the unknown-form hook did not run for this request')
    return found as KnownForm
  }

  // Rate limits count every post, known form or not; then unknown forms, foreign origins and
  // unauthenticated senders are refused, all before the body is read.
  app.addHook('onRequest', async (request, reply) => {
    const { formId, form } = nameOf(request)
    await guard.limit(request, reply, formId, form)
  })
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const found = nameOf(request)
    if (found.form === undefined) throw new UnknownFormError(found.formId.slice(0, 64))
  })
  app.addHook('onRequest', async (request: FastifyRequest) => { await guard.admit(request, knownOf(request).form) })
  // Before the body is read: a full store refuses at once, and never half-writes what it holds.
  const floor = deps.storeFloor
  if (floor !== undefined) {
    app.addHook('onRequest', async (request: FastifyRequest) => { if (request.method === 'POST') await floor.check() })
  }

  app.setErrorHandler(async (err, request, reply) => {
    const e = toHttpError(err)
    if (e.statusCode >= 500) request.log.error({ err }, 'submission failed')
    else request.log.info({ code: e.code, status: e.statusCode }, 'submission refused')
    if (wantsJson(request)) return sendJsonError(reply, e)
    const { form } = nameOf(request)
    if (form?.errorUrl !== undefined && e.statusCode < 500) {
      const url = new URL(form.errorUrl)
      url.searchParams.set('error', e.code)
      if (e.fields !== undefined) url.searchParams.set('fields', Object.keys(e.fields).join(','))
      return reply.code(303).header('x-relay-error', e.code).redirect(url.href, 303)
    }
    return reply.code(e.statusCode).header('x-relay-error', e.code).type('text/html; charset=utf-8')
      .send(errorPage(form?.language ?? 'en', e.message, e.fields))
  })

  // Forms with `files` may post base64 files in JSON; the others are held to limits.bodyBytes in readValues.
  app.post('/f/:formId', { bodyLimit: intakeBodyLimit(deps.config()) }, async (request, reply) => {
    const { formId, form, config } = knownOf(request)
    await guard.verifyBody(request, form, (request.body as RawBody | undefined)?.bytes)
    // A form with `files` keeps uploads and CF7 file fields (src/intake/files.ts); others only note them.
    const files = form.files !== undefined ? new FileCollector(form.files) : undefined
    const posted = await readValues(request, form.charset, config.limits, files)
    await files?.verifyContent()
    const successUrl = guard.successTarget(request, form, posted) ?? form.successUrl
    // Spam gets the answer a person would get (bots learn nothing), but is only kept for review.
    const screened = await guard.screen(request, formId, form, posted)
    if (screened.spam) return answerAccepted(request, reply, formId, successUrl, { id: screened.id, duplicate: false })
    const values = screened.values
    files?.addLinks(values)
    const idempotencyKey = headerText(request.headers['idempotency-key'], KEPT_HEADER_CHARS)
    const hold = guard.flooded(request)
    const accepted = await acceptSubmission({ config, outbox: deps.outbox, now: deps.now }, {
      formId,
      form,
      values,
      sender: guard.sender(request),
      ...(hold ? { hold } : {}),
      referer: headerText(request.headers.referer, KEPT_HEADER_CHARS),
      ip: clientAddress(request),
      userAgent: headerText(request.headers['user-agent'], KEPT_HEADER_CHARS),
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(files !== undefined && files.items().length > 0 ? { files: files.items() } : {})
    })
    request.log.info({ formId, submissionId: accepted.id, duplicate: accepted.duplicate, ...(hold ? { held: 'flood' } : {}) },
      hold ? 'submission accepted and held: the form is over its per-form limit' : 'submission accepted')
    for (const d of accepted.dropped ?? []) {
      const at = { formId, submissionId: accepted.id, field: d.field, reason: d.reason, bytes: d.bytes }
      request.log.warn(at, 'tracking value left out of the lead')
    }
    if (!accepted.duplicate && accepted.kept !== undefined) {
      request.log.info({ formId, submissionId: accepted.id, kept: accepted.kept }, 'values kept as typed: they failed their check')
      for (const { check } of accepted.kept) deps.onKept?.(formId, check)
    }
    if (!accepted.duplicate && !hold) deps.onAccepted(form.portal)
    return answerAccepted(request, reply, formId, successUrl, accepted)
  })

  // Someone opened the form's address in a browser: say what it is for instead of a bare 404 or 405.
  app.get('/f/:formId', async (request, reply) => {
    const { formId, form } = knownOf(request)
    reply.code(405).header('allow', 'POST')
    if (wantsJson(request)) throw new MethodNotAllowedError(formId)
    return reply.type('text/html; charset=utf-8').send(postOnlyPage(form.language, `/f/${formId}`))
  })

  app.get('/f/:formId/thanks', async (request, reply) => {
    const { form } = knownOf(request)
    return reply.type('text/html; charset=utf-8').send(thanksPage(form.language))
  })
}

async function readValues (
  request: FastifyRequest, formCharset: string | undefined, limits: RelayConfig['limits'], files?: FileCollector
): Promise<SubmittedValues> {
  const hints = { declared: charsetOf(request.headers['content-type']), form: formCharset }
  if (request.isMultipart()) {
    // With `files`, one byte and one file past the form's limits reach the collector, which refuses them by name.
    const fileLimits = files === undefined
      ? { files: 10, fileSize: limits.bodyBytes }
      : { files: files.rules.maxFiles + 1, fileSize: files.rules.maxBytes + 1 }
    const parts = request.parts({
      defCharset: 'latin1',
      defParamCharset: 'latin1',
      limits: { fields: limits.fields, fieldSize: limits.valueChars * 4, ...fileLimits, parts: limits.fields + fileLimits.files }
    } as Parameters<typeof request.parts>[0])
    return decodeMultipart(parts, hints, limits, files)
  }
  const body = request.body as RawBody | undefined
  if (body === undefined || body === null) throw new EmptyBodyError()
  if (files === undefined && body.bytes.length > limits.bodyBytes) throw new BodyTooLargeError(limits.bodyBytes)
  return body.kind === 'urlencoded' ? decodeUrlencoded(body.bytes, hints, limits) : decodeJson(body.bytes, hints, limits, files)
}

function answerAccepted (
  request: FastifyRequest, reply: FastifyReply, formId: string, successUrl: string | undefined,
  accepted: { id: string, duplicate: boolean }
): FastifyReply {
  if (wantsJson(request)) {
    return reply.code(202).send({ ok: true, id: accepted.id, ...(accepted.duplicate ? { duplicate: true } : {}) })
  }
  return reply.redirect(successUrl ?? `/f/${formId}/thanks`, 303)
}

export { toHttpError }
