/** The /rest/* entry point: faults, webhook auth, the leaky bucket, dispatch and the JSON envelope. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bodyParams } from './body-parsers.ts'
import { successBody, timeInfo } from './envelope.ts'
import type { MethodRegistry } from './registry.ts'
import {
  OperationLimitError, RestError, internalServerError, invalidCredentials, methodNotFound, noAuthFound, queryLimitExceeded,
  serviceUnavailable
} from './rest-error.ts'
import { parseRestPath, queryString } from './rest-path.ts'
import { mergeParams, parseBracketQuery } from './request-params.ts'
import type { PortalState } from './state.ts'
import type { FaultToken } from './types.ts'

interface Answer { status: number, body: unknown }

const REST_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'origin, content-type, accept',
  'x-content-type-options': 'nosniff'
}

const errorAnswer = (err: RestError, extra: Record<string, unknown> = {}): Answer =>
  ({ status: err.status, body: { ...err.body(), ...extra } })

/** Drop the connection without a status line: the client sees a socket error. */
function dropConnection (request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack()
  request.raw.socket.destroy()
}

/** 429 OPERATION_TIME_LIMIT for a single call; its `time` (with the reset) only when the quirk says so. */
function operationLimitAnswer (err: OperationLimitError, state: PortalState, nowMs: number): Answer {
  if (!state.settings.quirks.operationLimitTime) return errorAnswer(err)
  return errorAnswer(err, { time: timeInfo(nowMs, nowMs, { resetAt: err.resetAt, seconds: 480 }) })
}

/** Faults that answer instead of the portal; undefined when the request should be processed. */
function injectedAnswer (fault: FaultToken | undefined, state: PortalState): Answer | undefined {
  const nowMs = Date.now()
  switch (fault) {
    case '503': return errorAnswer(serviceUnavailable())
    case '500': return errorAnswer(internalServerError())
    case '401': return errorAnswer(invalidCredentials(state.settings.quirks))
    // The recorded body for a path that is not a webhook: the code alone, no description.
    case '404': return { status: 404, body: { error: methodNotFound().error } }
    case '429': {
      const resetIn = state.faults.current.operationResetSeconds ?? 10
      return operationLimitAnswer(new OperationLimitError(state.settings.quirks, Math.ceil(nowMs / 1000 + resetIn)), state, nowMs)
    }
    default: return undefined
  }
}

/** Auth, bucket and the method itself; every outcome becomes an answer. */
async function serve (request: FastifyRequest, state: PortalState, registry: MethodRegistry): Promise<Answer> {
  const startMs = Date.now()
  const url = request.raw.url ?? ''
  const path = parseRestPath(url)
  const settings = state.settings
  const quirks = settings.quirks
  if (path.kind === 'noAuth') return errorAnswer(noAuthFound())
  if (state.revoked || path.userId !== String(settings.userId) || path.secret !== settings.secret) {
    return errorAnswer(invalidCredentials(quirks))
  }
  if (settings.rateLimit && !state.bucket.take()) {
    state.countQueryLimit()
    const extra = quirks.queryLimitTime ? { time: timeInfo(startMs, Date.now()) } : {}
    return errorAnswer(queryLimitExceeded(), extra)
  }
  const params = mergeParams(parseBracketQuery(queryString(url)), bodyParams(request))
  try {
    const res = await registry.invoke(path.method, params, { state, inBatch: false })
    const finishMs = Date.now()
    const method = path.method.toLowerCase()
    // The outer batch call is not metered; its nested calls are.
    const operating = state.operating.add(method, method === 'batch' ? 0 : (finishMs - startMs) / 1000)
    // A batch with a blocked command carries that command's reset time outside, as recorded live.
    const outer = res.operatingResetAt !== undefined
      ? { resetAt: res.operatingResetAt, seconds: 0 }
      : quirks.operatingInTime ? operating : undefined
    const { operatingResetAt: _reset, ...result } = res
    return { status: 200, body: successBody(result, timeInfo(startMs, finishMs, outer)) }
  } catch (err) {
    if (err instanceof OperationLimitError) return operationLimitAnswer(err, state, Date.now())
    if (err instanceof RestError) return errorAnswer(err)
    request.log.error({ err }, 'emulated method failed')
    return errorAnswer(internalServerError())
  }
}

export function registerRestRoute (app: FastifyInstance, state: PortalState, registry: MethodRegistry): void {
  app.route({
    method: ['GET', 'POST'],
    url: '/rest/*',
    handler: async (request, reply) => {
      state.countRequest()
      const plan = state.faults.current
      const { fault, delayMs } = state.faults.decide()
      if (fault !== undefined) state.countFault(fault)
      if (delayMs > 0) state.countFault('delay')

      if (fault === 'reset') return dropConnection(request, reply)
      if (fault === '302') {
        const target = (plan.movedTo ?? '').replace(/\/$/, '') + (request.raw.url ?? '')
        return reply.code(302).headers(REST_HEADERS).header('location', target).send('')
      }
      const injected = injectedAnswer(fault, state)
      if (injected !== undefined) return reply.code(injected.status).headers(REST_HEADERS).send(JSON.stringify(injected.body))

      const late = plan.delayPhase === 'beforeProcessing'
      if (delayMs > 0 && late) await sleep(delayMs)
      const answer = await serve(request, state, registry)
      if (delayMs > 0 && !late) await sleep(delayMs)
      // lostReply: the work is done (a lead may be stored) but the answer never arrives.
      if (fault === 'lostReply') return dropConnection(request, reply)
      return reply.code(answer.status).headers(REST_HEADERS).send(JSON.stringify(answer.body))
    }
  })
}
