/**
 * Everything the intake route asks of src/security, in the order a submission meets it:
 * `limit` (rate limits, before unknown forms are refused), `admit` (Origin, sender authentication
 * headers), `verifyBody` (the HMAC over the raw bytes), `screen` (spam: held, answered as if
 * accepted) and `successTarget` (the guarded `_next`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type { FormConfig, RelayConfig } from '../config/schema.ts'
import type { SubmittedValues } from '../intake/submitted-values.ts'
import { newSubmissionId } from '../outbox/ids.ts'
import { headerText, KEPT_HEADER_CHARS } from '../http/header-text.ts'
import { assertOriginAllowed, requestOrigin, selfOrigin } from './origin-policy.ts'
import { clientAddress } from './client-address.ts'
import { createRateLimitCheck } from './rate-limit.ts'
import { safeNext } from './redirect-guard.ts'
import { spamVerdict, withoutSecurityFields } from './spam-check.ts'
import type { SpamReason, SpamStore } from './spam-store.ts'
import { authenticateHeaders, hasValidSecret, verifySignature, type SourceAuth } from './source-auth.ts'
import { memoryReplayCache, redisReplayCache } from './replay-cache.ts'

export interface IntakeGuardDeps {
  config: () => RelayConfig
  now: () => number
  spamStore: SpamStore
  redis?: Redis | undefined
  /** Called for every submission held as spam (metrics). */
  onSpam?: ((formId: string, reason: SpamReason) => void) | undefined
}

export type Screened = { spam: false, values: SubmittedValues } | { spam: true, id: string }

export interface IntakeGuard {
  /** Before the unknown-form check: every post counts, known form or not (`form` is the route's look-up). */
  limit: (request: FastifyRequest, reply: FastifyReply, formId: string, form: FormConfig | undefined) => Promise<void>
  /** True when the request came past its form's per-form limit: store it held, answer as usual. */
  flooded: (request: FastifyRequest) => boolean
  /**
   * Who sent it, for scoping Idempotency-Keys and double submits: the form's secret or signature
   * holder (one server posting for many visitors), else the client's bare address.
   */
  sender: (request: FastifyRequest) => string
  admit: (request: FastifyRequest, form: FormConfig) => Promise<void>
  verifyBody: (request: FastifyRequest, form: FormConfig, rawBody: Buffer | undefined) => Promise<void>
  screen: (request: FastifyRequest, formId: string, form: FormConfig, values: SubmittedValues) => Promise<Screened>
  successTarget: (request: FastifyRequest, form: FormConfig, values: SubmittedValues) => string | undefined
}

const PRUNE_EVERY_MS = 60_000

export async function createIntakeGuard (app: FastifyInstance, deps: IntakeGuardDeps): Promise<IntakeGuard> {
  const rateLimit = await createRateLimitCheck(app, { config: deps.config, redis: deps.redis })
  const sources = new WeakMap<FastifyRequest, SourceAuth>()
  const floods = new WeakSet<FastifyRequest>()
  // Shared through Redis when the app has it (like the rate limits), else this process's memory.
  const replays = deps.redis !== undefined
    ? redisReplayCache(deps.redis, {
      onError: (err) => app.log.warn({ err }, 'replay cache unavailable in Redis; this process remembers signatures itself')
    })
    : memoryReplayCache()
  let lastPrune = 0

  const hold = async (
    request: FastifyRequest, formId: string, values: SubmittedValues, reason: SpamReason, detail: string | undefined
  ): Promise<string> => {
    const now = deps.now()
    const id = newSubmissionId(now)
    const origin = requestOrigin(request)
    const userAgent = headerText(request.headers['user-agent'], KEPT_HEADER_CHARS)
    const referer = headerText(request.headers.referer, KEPT_HEADER_CHARS)
    await deps.spamStore.add({
      id,
      formId,
      reason,
      receivedAt: now,
      ip: request.ip,
      values,
      ...(detail !== undefined ? { detail } : {}),
      ...(userAgent !== undefined ? { userAgent } : {}),
      ...(referer !== undefined ? { referer } : {}),
      ...(origin !== undefined ? { origin: origin.slice(0, 200) } : {})
    })
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now
      const pruned = await deps.spamStore.prune(now - deps.config().spam.keepMs)
      if (pruned > 0) request.log.info({ pruned }, 'old spam pruned')
    }
    deps.onSpam?.(formId, reason)
    request.log.info({ formId, spamId: id, reason }, 'submission held as spam')
    return id
  }

  return {
    limit: async (request, reply, formId, form) => {
      if (request.method !== 'POST') return
      // A sender holding the form's secret (a CF7 server posting for all its visitors) is not one visitor.
      const { flooded } = await rateLimit(request, reply, formId, { skipPerIp: hasValidSecret(request, form) })
      if (flooded) floods.add(request)
    },

    flooded: (request) => floods.has(request),

    sender: (request) => {
      const kind = sources.get(request)?.kind
      return kind === 'secret' || kind === 'signature' ? `source:${kind}` : `ip:${clientAddress(request)}`
    },

    admit: async (request, form) => {
      if (request.method !== 'POST') return
      assertOriginAllowed(request, form.origins)
      sources.set(request, authenticateHeaders(request, form, deps.now()))
    },

    verifyBody: async (request, form, rawBody) => {
      await verifySignature(sources.get(request) ?? { kind: 'anonymous' }, form, rawBody, replays)
    },

    screen: async (request, formId, form, values) => {
      const source = sources.get(request) ?? { kind: 'anonymous' }
      const verdict = await spamVerdict({ form, values, source, ip: request.ip, now: deps.now() }, request.log)
      if (verdict !== undefined) return { spam: true, id: await hold(request, formId, values, verdict.reason, verdict.detail) }
      return { spam: false, values: withoutSecurityFields(form, values) }
    },

    successTarget: (request, form, values) => safeNext(form.origins, values, selfOrigin(request))
  }
}
