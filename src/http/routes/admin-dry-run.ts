/**
 * POST /admin/dry-run/:formId: a sample body goes through the intake's decoding and the mapping,
 * and the answer is the exact crm.lead.add call the worker would make. Nothing is stored or sent.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { own } from '../../config/own.ts'
import { z } from 'zod'
import { registerRawBodyParsers, type RawBody } from '../../intake/raw-body-parsers.ts'
import { FORM_ID_PATTERN, type RelayConfig } from '../../config/schema.ts'
import { AdminInputError, EmptyBodyError, UnknownFormError } from '../../errors.ts'
import { charsetOf } from '../../intake/charset.ts'
import { decodeJson, decodeMultipart, decodeUrlencoded } from '../../intake/decode-body.ts'
import type { SubmittedValues } from '../../intake/submitted-values.ts'
import { mapSubmission, mergeDictionaries } from '../../mapping/index.ts'

const paramsSchema = z.object({ formId: z.string().regex(FORM_ID_PATTERN) }).strict()

/** Stands in for the submission id the outbox would assign. */
export const DRY_RUN_ORIGIN_ID = '(submission id)'

export async function dryRunRoutes (
  app: FastifyInstance, deps: { config: () => RelayConfig, now: () => number, security: Array<Record<string, string[]>> }
): Promise<void> {
  // The same byte-level parsers as the intake, so charsets are read exactly as a real post would be.
  await registerRawBodyParsers(app)

  app.post('/admin/dry-run/:formId', {
    bodyLimit: deps.config().limits.bodyBytes,
    schema: {
      tags: ['admin'],
      security: deps.security,
      summary: 'Map a sample body and show the crm.lead.add call it would produce; nothing is stored or sent',
      consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json']
    }
  }, async request => {
    const parsed = paramsSchema.safeParse(request.params)
    if (!parsed.success) throw new AdminInputError('formId: letters, digits, _ and - only')
    const { formId } = parsed.data
    const config = deps.config()
    const form = own(config.forms, formId)
    if (form === undefined) throw new UnknownFormError(formId)
    const portal = own(config.portals, form.portal)
    const values = await readValues(request, form.charset, config.limits)
    const referer = request.headers.referer
    const mapped = mapSubmission({
      formId,
      form,
      dictionaries: mergeDictionaries(portal?.dictionaries ?? {}),
      values,
      ...(typeof referer === 'string' && referer !== '' ? { referer } : {}),
      now: new Date(deps.now())
    })
    const refused = Object.keys(mapped.errors).length > 0
    return {
      ok: true,
      formId,
      portalId: form.portal,
      // What intake would answer: refused submissions are never stored.
      accepted: !refused,
      errors: mapped.errors,
      method: 'crm.lead.add',
      params: {
        fields: { ...mapped.fields, ORIGINATOR_ID: config.delivery.originatorId, ORIGIN_ID: DRY_RUN_ORIGIN_ID },
        params: { REGISTER_SONET_EVENT: portal?.registerSonetEvent === false ? 'N' : 'Y' }
      }
    }
  })
}

async function readValues (
  request: FastifyRequest, formCharset: string | undefined, limits: RelayConfig['limits']
): Promise<SubmittedValues> {
  const hints = { declared: charsetOf(request.headers['content-type']), form: formCharset }
  if (request.isMultipart()) {
    const parts = request.parts({
      defCharset: 'latin1',
      defParamCharset: 'latin1',
      limits: { fields: limits.fields, fieldSize: limits.valueChars * 4, files: 10, fileSize: limits.bodyBytes, parts: limits.fields + 10 }
    } as Parameters<typeof request.parts>[0])
    return await decodeMultipart(parts, hints, limits)
  }
  const body = request.body as RawBody | undefined
  if (body === undefined || body === null) throw new EmptyBodyError()
  return body.kind === 'urlencoded' ? decodeUrlencoded(body.bytes, hints, limits) : decodeJson(body.bytes, hints, limits)
}
