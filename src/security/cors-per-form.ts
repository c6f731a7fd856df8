/**
 * CORS per form: @fastify/cors with a delegator that answers each request from the form's own
 * `origins`. An allowed page gets its origin reflected (and preflights answered); any other page
 * gets no CORS headers at all, so its browser refuses to hand the answer to the page script.
 */
import cors, { type FastifyCorsOptions } from '@fastify/cors'
import { own } from '../config/own.ts'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { FORM_ID_PATTERN, type RelayConfig } from '../config/schema.ts'
import { isOriginAllowed, requestOrigin, selfOrigin } from './origin-policy.ts'

const FORM_PATH = /^\/f\/([^/?]+)(?:[/?]|$)/

/** The form id of an intake URL (/f/:formId…), read before routing so preflights see it too. */
export function formIdFromUrl (url: string): string | undefined {
  const formId = FORM_PATH.exec(url)?.[1]
  return formId !== undefined && FORM_ID_PATTERN.test(formId) ? formId : undefined
}

/** What a page script may send and read; secrets (X-Relay-*) are for servers and are not listed. */
const CORS_BASE = {
  methods: ['POST'],
  allowedHeaders: ['Content-Type', 'Accept', 'Idempotency-Key'],
  exposedHeaders: ['X-Relay-Error', 'Retry-After'],
  credentials: false,
  maxAge: 600
} satisfies FastifyCorsOptions

export function corsOptionsFor (request: FastifyRequest, config: RelayConfig): FastifyCorsOptions {
  const formId = formIdFromUrl(request.url)
  const form = formId === undefined ? undefined : own(config.forms, formId)
  const header = requestOrigin(request)
  if (form === undefined || header === undefined || header === 'null') return { origin: false }
  if (!isOriginAllowed(form.origins, header, selfOrigin(request))) return { origin: false }
  return { ...CORS_BASE, origin: header }
}

/** Registered at the app root so the preflight route (OPTIONS *) exists next to the intake. */
export async function corsPerForm (app: FastifyInstance, deps: { config: () => RelayConfig }): Promise<void> {
  await app.register(cors, {
    hook: 'onRequest',
    delegator: async (request: FastifyRequest) => corsOptionsFor(request, deps.config())
  } as FastifyCorsOptions)
}
