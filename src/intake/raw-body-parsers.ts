/**
 * The intake's content-type parsers, shared by the submit route and the admin dry run: bodies stay
 * bytes, so the charset can be chosen per form before decoding, and a signature can be checked over
 * exactly what was sent. Multipart is registered here too; anything else is refused with 415.
 */
import multipart from '@fastify/multipart'
import type { FastifyInstance } from 'fastify'
import { UnsupportedMediaTypeError } from '../errors.ts'

export interface RawBody { kind: 'urlencoded' | 'json', bytes: Buffer }

export async function registerRawBodyParsers (app: FastifyInstance): Promise<void> {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, bytes, done) => {
    done(null, { kind: 'urlencoded', bytes: bytes as Buffer } satisfies RawBody)
  })
  app.addContentTypeParser(['application/json', 'text/plain'], { parseAs: 'buffer' }, (_req, bytes, done) => {
    done(null, { kind: 'json', bytes: bytes as Buffer } satisfies RawBody)
  })
  app.addContentTypeParser('*', (req, _payload, done) => {
    done(new UnsupportedMediaTypeError(String(req.headers['content-type'] ?? '').slice(0, 80)), undefined)
  })
  await app.register(multipart, { throwFileSizeLimit: true })
}
