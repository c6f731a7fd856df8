/** The Bitrix24 REST client for one incoming webhook: JSON POSTs, redirects, classification, CRM helpers. */
import { Agent, type Dispatcher } from 'undici'
import type { z } from 'zod'
import { runBatch, type BatchCommand, type BatchReply } from './batch.ts'
import type { CallFn, CallResult } from './call.ts'
import { classifyReply } from './classify.ts'
import { addLead, findLeadsByOrigin, leadFields, statusList, type AddLeadOptions } from './crm.ts'
import { BitrixError, BitrixUsageError } from './errors.ts'
import { maskWebhook } from './mask.ts'
import { assertMethodName } from './method-name.ts'
import { successEnvelopeSchema, type LeadFieldInfo, type StatusItem } from './schemas.ts'
import { postJson } from './transport.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import { normalizeWebhook } from './webhook.ts'
import { PORTAL_DEFAULTS } from '../config/schema.ts'

export interface BitrixClientOptions {
  /** The webhook base, https://portal/rest/<user id>/<secret>/ (a missing trailing slash is added). */
  webhook: string
  /** Deadline for one HTTP exchange; the cloud itself cuts requests off at 60 s. */
  timeoutMs?: number
  userAgent?: string
  /** Defaults to a private undici Agent that close() shuts down. */
  dispatcher?: Dispatcher
  /** Told the real new base (secret included) after the portal redirected to a new address. */
  onMoved?: (newBase: string) => void
  maxBodyBytes?: number
}

export interface BitrixClient {
  call: CallFn
  addLead (fields: LeadFields, opts?: AddLeadOptions): Promise<number>
  batch (commands: BatchCommand[], opts?: { halt?: boolean }): Promise<BatchReply>
  findLeadsByOrigin (originatorId: string, originIds: string[]): Promise<Map<string, number>>
  leadFields (): Promise<Record<string, LeadFieldInfo>>
  statusList (entityId: string): Promise<StatusItem[]>
  /** The current base with the secret masked, for logs. */
  describe (): string
  /** Closes the private Agent (a dispatcher passed in is left alone). */
  close (): Promise<void>
}

export const DEFAULT_USER_AGENT = 'b24-form-relay'
/** A portal that moved once redirects once; a longer chain is a misconfiguration. */
export const MAX_REDIRECTS = 3
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024

function webhookBase (webhook: string): string {
  let url: URL
  try {
    url = new URL(webhook)
  } catch {
    throw new BitrixUsageError(`the webhook is not a URL: ${maskWebhook(webhook)}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BitrixUsageError(`the webhook must be an http(s) URL: ${maskWebhook(webhook)}`)
  }
  return normalizeWebhook(url)
}

/** The webhook base inside a method URL the portal redirected to, if it can be recognised. */
function baseOf (url: string, method: string): string | undefined {
  const u = new URL(url)
  u.search = ''
  u.hash = ''
  for (const tail of [method, `${method}.json`, `${method}/`]) {
    if (u.pathname.endsWith('/' + tail)) {
      u.pathname = u.pathname.slice(0, -tail.length)
      return u.href
    }
  }
  const match = /^(.*\/rest\/(?:api\/)?\d+\/[^/]+\/)/.exec(u.pathname)
  if (match?.[1] === undefined) return undefined
  u.pathname = match[1]
  return u.href
}

export function createBitrixClient (opts: BitrixClientOptions): BitrixClient {
  let base = webhookBase(opts.webhook)
  const timeoutMs = opts.timeoutMs ?? PORTAL_DEFAULTS.timeoutMs
  const ownAgent = opts.dispatcher === undefined
    ? new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connect: { timeout: Math.min(timeoutMs, 10_000) } })
    : undefined
  const post = {
    dispatcher: opts.dispatcher ?? ownAgent as Agent,
    timeoutMs,
    userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
    maxBodyBytes: opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
  }

  const moved = (method: string, status: number, why: string, location?: string): BitrixError =>
    new BitrixError({
      kind: 'moved',
      message: `${why} (HTTP ${status}); update the webhook URL`,
      retryable: false,
      outcomeUnknown: false,
      status,
      method,
      location
    })

  /** Where to resend after a 3xx; the POST is repeated as is (never downgraded to GET). */
  function nextHop (url: string, method: string, hop: number, status: number, location: string | undefined): string {
    if (location === undefined || location === '') throw moved(method, status, 'the portal redirected without a Location')
    let target: URL
    try {
      target = new URL(location, url)
    } catch {
      throw moved(method, status, 'the portal redirected to an invalid address', location)
    }
    if (hop >= MAX_REDIRECTS) throw moved(method, status, `the portal redirected more than ${MAX_REDIRECTS} times`, target.href)
    // The secret travels in the path: never let a redirect move it onto plain http.
    if (new URL(url).protocol === 'https:' && target.protocol !== 'https:') {
      throw moved(method, status, 'the portal redirected to a non-https address', target.href)
    }
    return target.href
  }

  function adoptBase (url: string, method: string): void {
    const newBase = baseOf(url, method)
    if (newBase === undefined || newBase === base) return
    base = newBase
    try {
      opts.onMoved?.(newBase)
    } catch {
      // A failing notification must not fail the call that already succeeded.
    }
  }

  const call: CallFn = async <T = unknown>(
    method: string, params: Record<string, unknown>, schema?: z.ZodType<T>
  ): Promise<CallResult<T>> => {
    assertMethodName(method)
    const body = JSON.stringify(params)
    let url = base + method
    for (let hop = 0; ; hop++) {
      const reply = await postJson(url, body, { ...post, method })
      if (reply.status >= 300 && reply.status < 400) {
        url = nextHop(url, method, hop, reply.status, reply.location)
        continue
      }
      const error = classifyReply(reply.status, reply.text, { method })
      // Only a REST answer proves the new address is a portal worth remembering.
      if (hop > 0 && (error === undefined || error.b24Error !== undefined)) adoptBase(url, method)
      if (error !== undefined) throw error
      const envelope = successEnvelopeSchema.parse(JSON.parse(reply.text))
      let result = envelope.result as T
      if (schema !== undefined) {
        const parsed = schema.safeParse(envelope.result)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]
          const problem = issue === undefined ? 'invalid' : `${issue.path.join('.') || 'result'}: ${issue.message}`
          throw new BitrixError({
            kind: 'bad_reply',
            message: `the result has an unexpected shape (${problem})`,
            retryable: true,
            // The portal answered 200: the method ran, whatever it returned.
            outcomeUnknown: true,
            status: reply.status,
            method
          })
        }
        result = parsed.data
      }
      return {
        result,
        ...(envelope.total !== undefined ? { total: envelope.total } : {}),
        ...(envelope.next !== undefined ? { next: envelope.next } : {}),
        ...(envelope.time !== undefined ? { time: envelope.time } : {})
      }
    }
  }

  return {
    call,
    addLead: async (fields, addOpts) => await addLead(call, fields, addOpts),
    batch: async (commands, batchOpts) => await runBatch(call, commands, batchOpts),
    findLeadsByOrigin: async (originatorId, originIds) => await findLeadsByOrigin(call, originatorId, originIds),
    leadFields: async () => await leadFields(call),
    statusList: async (entityId) => await statusList(call, entityId),
    describe: () => maskWebhook(base),
    close: async () => { await ownAgent?.close() }
  }
}
