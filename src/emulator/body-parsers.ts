/** Body parsing as the REST entry point does it: lenient JSON, bracket-notation forms and multipart, parse_str for the rest. */
import multipart from '@fastify/multipart'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { isRecord, parseBracketPairs, parseBracketQuery, type Params } from './request-params.ts'

export const BODY_LIMIT = 20 * 1024 * 1024

/** Invalid JSON silently becomes an empty parameter set, as on the real server. */
export function parseLenientJson (text: string): Params {
  try {
    const value: unknown = JSON.parse(text)
    return isRecord(value) ? value : {}
  } catch {
    return {}
  }
}

export async function registerBodyParsers (app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, parseLenientJson(String(body)))
  })
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, parseBracketQuery(String(body)))
  })
  // Any other raw body goes through PHP's parse_str.
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: BODY_LIMIT }, (_req, body, done) => {
    done(null, parseBracketQuery(String(body)))
  })
  await app.register(multipart, {
    attachFieldsToBody: true,
    limits: { fields: 100_000, parts: 100_000, fieldSize: BODY_LIMIT, fileSize: BODY_LIMIT },
    // Uploaded files are not emulated; drain them so the request can finish.
    onFile: part => { part.file.resume() }
  })
}

interface MultipartEntry { type?: string, fieldname?: string, value?: unknown }

/** The request body as params; multipart fields are reassembled with their bracket keys. */
export function bodyParams (request: FastifyRequest): Params {
  if (request.isMultipart()) {
    const pairs: Array<[string, string]> = []
    for (const entry of Object.values((request.body ?? {}) as Record<string, MultipartEntry | MultipartEntry[]>)) {
      for (const part of Array.isArray(entry) ? entry : [entry]) {
        if (part.type === 'field' && part.fieldname !== undefined) pairs.push([part.fieldname, String(part.value ?? '')])
      }
    }
    return parseBracketPairs(pairs)
  }
  return isRecord(request.body) ? request.body : {}
}
