/**
 * The OpenAPI description of the public and admin API at GET /docs/json (@fastify/swagger). Routes
 * document themselves through their `schema`; the intake route is described here, because its
 * bodies are read by our own parsers and carry no JSON schema.
 */
import swagger from '@fastify/swagger'
import type { FastifyInstance } from 'fastify'
import { FORM_ID_PATTERN } from '../../config/schema.ts'

const error = {
  type: 'object',
  properties: {
    ok: { type: 'boolean', enum: [false] },
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', description: 'RELAY_ERR_* (docs/errors.md)' },
        message: { type: 'string' },
        fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'Per field: required, invalid_email…' }
      }
    }
  }
}

const submission = { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] } }

/** The intake, documented by hand: urlencoded, multipart, JSON or text/plain holding JSON. */
const INTAKE = {
  tags: ['intake'],
  summary: 'Submit a form: stored durably, then delivered to Bitrix24 as a lead',
  description: 'Scripts (Accept or body JSON) get 202 JSON; browsers get 303 to the thank-you page or the form\'s successUrl. ' +
    'Refusals carry the code in x-relay-error; browsers get 303 to errorUrl or an HTML page.',
  params: { type: 'object', properties: { formId: { type: 'string', pattern: FORM_ID_PATTERN.source } }, required: ['formId'] },
  headers: {
    type: 'object',
    properties: { 'idempotency-key': { type: 'string', description: 'Same key within the dedupe window = one submission' } }
  },
  body: submission,
  consumes: ['application/x-www-form-urlencoded', 'multipart/form-data', 'application/json', 'text/plain'],
  response: {
    202: {
      description: 'Stored; delivery follows',
      type: 'object',
      properties: { ok: { type: 'boolean' }, id: { type: 'string' }, duplicate: { type: 'boolean' } }
    },
    303: { description: 'Browsers: redirect to the thank-you or error page', type: 'null' },
    400: { description: 'Invalid submission', ...error },
    404: { description: 'Unknown form', ...error },
    413: { description: 'Too large', ...error },
    415: { description: 'Unsupported content type or charset', ...error },
    503: { description: 'Could not be stored; nothing was accepted', ...error }
  }
}

export async function registerOpenApi (app: FastifyInstance, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'b24-form-relay',
        version: opts.version,
        description: 'Website forms to Bitrix24 CRM leads. Admin routes need `Authorization: Bearer <ADMIN_TOKEN>`.'
      },
      tags: [
        { name: 'intake', description: 'Form posts' },
        { name: 'health', description: 'Liveness, readiness and metrics' },
        { name: 'admin', description: 'Operators: search, retry, delete, erase, dry run' }
      ],
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } }
    },
    hideUntagged: true,
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method]
      if (url === '/f/:formId' && methods.includes('POST')) return { schema: INTAKE as unknown as typeof schema, url }
      return { schema, url }
    }
  })
}

export async function docsRoutes (app: FastifyInstance): Promise<void> {
  app.get('/docs/json', { schema: { hide: true } }, async () => app.swagger())
}
