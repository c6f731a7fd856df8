/**
 * The deprecated "simplified lead import" (/crm/configs/import/lead.php with LOGIN and PASSWORD):
 * one form POST per lead with the flat field names, its single-quoted reply classified into the
 * same BitrixError kinds as REST ('201' created, '400' validation, '403' auth). The password is
 * sent only in the request body and never appears in an error or a log line.
 */
import { Agent, request, type Dispatcher } from 'undici'
import { classifyNetworkError } from './classify.ts'
import { BitrixError, type BitrixErrorInit, type BitrixErrorKind } from './errors.ts'
import { legacyReplySchema, parsePhpJs, type LegacyReply } from './legacy-reply.ts'
import type { LeadFields, MultiFieldValue } from '../domain/lead-fields.ts'
import { DEFAULT_USER_AGENT } from './client.ts'
import { PORTAL_DEFAULTS } from '../config/schema.ts'

export const LEGACY_IMPORT_PATH = 'crm/configs/import/lead.php'
const MAX_REPLY_BYTES = 1024 * 1024
const METHOD = 'lead.php'

export interface LegacyClientOptions {
  /** The portal address (https://portal.bitrix24.ru/) or the importer's full URL. */
  url: string
  login: string
  password: string
  timeoutMs?: number
  dispatcher?: Dispatcher
  userAgent?: string
}

export interface LegacyClient {
  /** Adds one lead; resolves to its id or throws a BitrixError. */
  addLead: (fields: LeadFields) => Promise<number>
  /** lead.get_fields: proves the login works without creating anything. */
  probe: () => Promise<void>
  describe: () => string
  close: () => Promise<void>
}

/** The importer's URL: a bare portal address gets the import path appended. */
export function legacyImportUrl (url: string): string {
  const u = new URL(url)
  u.search = ''
  u.hash = ''
  if (!u.pathname.endsWith('.php')) u.pathname = (u.pathname.endsWith('/') ? u.pathname : u.pathname + '/') + LEGACY_IMPORT_PATH
  return u.href
}

/**
 * REST lead fields → the importer's flat names: PHONE [{VALUE, VALUE_TYPE: MOBILE}] → PHONE_MOBILE,
 * several values of one type joined with ';'. ORIGINATOR_ID / ORIGIN_ID are not read by the importer.
 */
export function toLegacyFields (fields: LeadFields): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'ORIGINATOR_ID' || key === 'ORIGIN_ID') continue
    if (Array.isArray(value) && value.length > 0 && typeof value[0] === 'object') {
      for (const item of value as MultiFieldValue[]) {
        const flat = `${key}_${item.VALUE_TYPE}`
        // The importer splits on ';', so a value must not carry one of its own.
        const text = item.VALUE.replace(/;/g, ',')
        out[flat] = out[flat] === undefined ? text : `${out[flat]};${text}`
      }
      continue
    }
    // Multiple user-field values are separated by ',' for the importer.
    out[key] = Array.isArray(value) ? (value as string[]).join(',') : String(value)
  }
  return out
}

export function createLegacyClient (opts: LegacyClientOptions): LegacyClient {
  const url = legacyImportUrl(opts.url)
  const timeoutMs = opts.timeoutMs ?? PORTAL_DEFAULTS.timeoutMs
  const ownAgent = opts.dispatcher === undefined ? new Agent({ headersTimeout: timeoutMs, bodyTimeout: timeoutMs }) : undefined
  const dispatcher = opts.dispatcher ?? ownAgent as Agent
  const shown = (() => { const u = new URL(url); return `${u.origin}${u.pathname}` })()
  // Whatever the portal echoes, the password is never repeated.
  const hide = (text: string): string => opts.password === '' ? text : text.split(opts.password).join('***')

  async function post (params: Record<string, string>): Promise<LegacyReply> {
    const body = new URLSearchParams({ LOGIN: opts.login, PASSWORD: opts.password, ...params }).toString()
    const deadline = AbortSignal.timeout(timeoutMs)
    let res: Dispatcher.ResponseData
    try {
      res = await request(url, {
        method: 'POST',
        dispatcher,
        headers: {
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
          accept: 'application/json',
          'user-agent': opts.userAgent ?? DEFAULT_USER_AGENT
        },
        body,
        signal: deadline
      })
    } catch (err) {
      throw classifyNetworkError(deadline.aborted ? deadline.reason : err, 'request', { method: METHOD })
    }
    let text: string
    try {
      const chunks: Buffer[] = []
      let size = 0
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length
        if (size > MAX_REPLY_BYTES) throw new Error(`the reply is larger than ${MAX_REPLY_BYTES} bytes`)
        chunks.push(chunk as Buffer)
      }
      text = Buffer.concat(chunks).toString('utf8')
    } catch (err) {
      throw classifyNetworkError(deadline.aborted ? deadline.reason : err, 'response', { method: METHOD })
    }
    return readReply(res.statusCode, hide(text))
  }

  return {
    addLead: async (fields) => {
      const reply = await post(toLegacyFields(fields))
      const id = Number(reply.ID)
      if (!Number.isSafeInteger(id) || id <= 0) {
        throw importerError('bad_reply', `the importer said 201 without a lead id (${hide(reply.error_message ?? '')})`, true)
      }
      return id
    },
    probe: async () => { await post({ method: 'lead.get_fields' }) },
    describe: () => `${shown} (legacy importer, login ${opts.login})`,
    close: async () => { await ownAgent?.close() }
  }
}

/** One reply → the parsed '201' answer, or the BitrixError its code means. */
/**
 * An importer failure. The importer either refused for sure (not retried) or left the outcome
 * unknown (retried, and the lead may exist already): the two flags always go together here.
 */
function importerError (
  kind: BitrixErrorKind, message: string, outcomeUnknown: boolean,
  more: Pick<BitrixErrorInit, 'status' | 'b24Error' | 'b24Description'> = {}
): BitrixError {
  return new BitrixError({ kind, message, retryable: outcomeUnknown, outcomeUnknown, method: METHOD, ...more })
}

export function readReply (status: number, text: string): LegacyReply {
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200)
  if (status === 401 || status === 403) {
    throw importerError('auth', `the importer refused the login (HTTP ${status})`, false, { status })
  }
  if (status === 404) {
    throw importerError('method_not_found', 'no legacy importer at this address (HTTP 404)', false, { status })
  }
  if (status < 200 || status >= 300) {
    // A 5xx may come after the lead was written; the importer offers no way to look it up.
    throw importerError(status >= 500 ? 'server' : 'bad_reply', `the importer answered HTTP ${status}`, true, { status })
  }
  let reply: LegacyReply
  try {
    reply = legacyReplySchema.parse(parsePhpJs(text))
  } catch {
    throw importerError('bad_reply', `the importer's reply cannot be read ("${snippet}")`, true, { status })
  }
  const message = reply.error_message ?? ''
  const said = { status, b24Error: reply.error, b24Description: message }
  switch (reply.error) {
    case '201':
      return reply
    case '400':
      throw importerError('validation', `the importer refused the lead: ${message}`, false, said)
    case '403':
      throw importerError('auth', `the importer refused the login: ${message}`, false, said)
    default:
      throw importerError('bad_reply', `the importer answered code '${reply.error}': ${message}`, true, said)
  }
}
