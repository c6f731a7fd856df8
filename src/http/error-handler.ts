/**
 * The single place where errors become HTTP answers. Catalogue errors keep their code and status;
 * framework and multipart errors are translated to catalogue codes so clients see one vocabulary;
 * anything else is a 500 whose details stay in the log.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { FieldErrors } from '../errors.ts'
import { isCodedError } from '../errors.ts'

export interface HttpError {
  statusCode: number
  code: string
  message: string
  fields?: FieldErrors
}

const TRANSLATED: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'RELAY_ERR_BODY_TOO_LARGE'],
  FST_REQ_FILE_TOO_LARGE: [413, 'RELAY_ERR_BODY_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'RELAY_ERR_EMPTY_BODY'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'RELAY_ERR_BAD_REQUEST'],
  FST_PARTS_LIMIT: [413, 'RELAY_ERR_TOO_MANY_FIELDS'],
  FST_FIELDS_LIMIT: [413, 'RELAY_ERR_TOO_MANY_FIELDS'],
  FST_FILES_LIMIT: [413, 'RELAY_ERR_TOO_MANY_FIELDS'],
  FST_PROTO_VIOLATION: [400, 'RELAY_ERR_FORBIDDEN_KEY'],
  FST_ERR_VALIDATION: [400, 'RELAY_ERR_BAD_REQUEST']
}

/** busboy reports broken multipart bodies as plain errors with these messages. */
const MULTIPART_BROKEN = /^(Multipart:|Unexpected end of (form|multipart)|Malformed part header|Part terminated early)/i

export function toHttpError (err: unknown): HttpError {
  if (isCodedError(err)) {
    const translated = TRANSLATED[err.code]
    if (translated !== undefined) {
      const message = err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? 'This content type is not accepted; send application/x-www-form-urlencoded, multipart/form-data, ' +
          'application/json or text/plain with JSON'
        : err.message
      return { statusCode: translated[0], code: translated[1], message }
    }
    if (err.code.startsWith('RELAY_ERR_') && typeof err.statusCode === 'number') {
      return {
        statusCode: err.statusCode, code: err.code, message: err.message, ...(err.fields !== undefined ? { fields: err.fields } : {})
      }
    }
  }
  const e = err as Partial<FastifyError>
  if (typeof e.message === 'string' && MULTIPART_BROKEN.test(e.message)) {
    return { statusCode: 400, code: 'RELAY_ERR_MALFORMED_MULTIPART', message: `The multipart body cannot be read: ${e.message}` }
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return { statusCode: e.statusCode, code: 'RELAY_ERR_BAD_REQUEST', message: e.message ?? 'Bad request' }
  }
  return { statusCode: 500, code: 'RELAY_ERR_INTERNAL', message: 'Internal error' }
}

/** JSON for scripts and for anyone who sent JSON or asked for it; HTML pages for plain browser posts. */
export function wantsJson (request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? ''
  if (/application\/json/i.test(accept)) return true
  const type = request.headers['content-type'] ?? ''
  if (/^(application\/json|text\/plain)/i.test(type)) return true
  return !request.url.startsWith('/f/')
}

export function sendJsonError (reply: FastifyReply, e: HttpError): FastifyReply {
  return reply.code(e.statusCode).header('x-relay-error', e.code).send({
    ok: false,
    error: { code: e.code, message: e.message, ...(e.fields !== undefined ? { fields: e.fields } : {}) }
  })
}
