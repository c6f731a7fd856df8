/**
 * One CF7 file link fetched under the form's rules: http(s) only; the host in `allowHosts` when
 * that is set; the host resolved here and refused unless every address used is public (or the
 * form opts in with `allowPrivateAddresses`); the connection made to the address that was checked
 * (the dispatcher's own `connect.lookup`, so a second DNS answer cannot swap it); no redirects;
 * within `maxBytes`, `downloadTimeoutMs` and `minBytesPerSecond` after `slowGraceMs`; and the
 * bytes checked against the accepted types. The result names the reason for the operator's log;
 * the CRM only ever sees a neutral note.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { Agent, request } from 'undici'
import { guessType, type FileRules } from '../domain/stored-file.ts'
import { FILE_LINK_CODES } from '../errors.ts'
import { checkFileContent } from '../security/file-content.ts'
import { hostAllowed, isPublicAddress, literalAddress } from '../security/link-address.ts'
import { FILES_DEFAULTS } from '../config/schema.ts'
import { DEFAULT_USER_AGENT } from '../bitrix/client.ts'

export type LinkResult = { ok: true, content: Buffer } | { ok: false, code: string, reason: string }

/** A host name's addresses, as dns.lookup(host, { all: true }) gives them. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>

export interface LinkFetchDeps {
  /** Default: the system resolver. Tests pass their own to play DNS rebinding. */
  resolve?: Resolver
  /** Default: isPublicAddress. */
  isPublic?: (address: string) => boolean
}

const systemResolve: Resolver = async (hostname) => await new Promise((resolve, reject) => {
  dnsLookup(hostname, { all: true }, (err, addresses) => { if (err !== null) reject(err); else resolve(addresses) })
})

class RefusedAddressError extends Error {
  readonly code = FILE_LINK_CODES.refused
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void

/** net.connect's `lookup`: resolve, keep only the addresses the policy allows, hand those (and only those) to the socket. */
function pinnedLookup (resolve: Resolver, allowed: (address: string) => boolean) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    resolve(hostname).then((addresses) => {
      const usable = addresses.filter(a => allowed(a.address))
      const first = usable[0]
      if (first === undefined) {
        const answers = addresses.map(a => a.address).join(', ') || 'nothing'
        callback(new RefusedAddressError(`${hostname} resolves to ${answers}, none of them public`), '')
        return
      }
      if (options.all === true) callback(null, usable)
      else callback(null, first.address, first.family)
    }, (err: Error) => callback(err, ''))
  }
}

function refusedCause (err: unknown): RefusedAddressError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RefusedAddressError) return e
  }
  return undefined
}

/** `signal` is the caller's (the submission's budget); the link's own timeout and rate floor are added here. */
export async function fetchLink (url: string, name: string, rules: FileRules, signal: AbortSignal,
  deps: LinkFetchDeps = {}): Promise<LinkResult> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { ok: false, code: FILE_LINK_CODES.failed, reason: 'not a URL' }
  }
  const refused = (reason: string): LinkResult => ({ ok: false, code: FILE_LINK_CODES.refused, reason })
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return refused('only http(s) links are fetched')
  if (!hostAllowed(parsed.hostname, rules.allowHosts)) return refused(`host ${parsed.hostname} is not in files.allowHosts`)
  const isPublic = deps.isPublic ?? isPublicAddress
  const allowed = (address: string): boolean => rules.allowPrivateAddresses === true || isPublic(address)
  const literal = literalAddress(parsed.hostname)
  // An address in the URL is never looked up (net.connect skips lookup for it): check it here.
  if (literal !== undefined && !allowed(literal)) return refused(`address ${literal} is not public`)

  const minRate = rules.minBytesPerSecond ?? FILES_DEFAULTS.minBytesPerSecond
  const grace = rules.slowGraceMs ?? FILES_DEFAULTS.slowGraceMs
  const slow = new AbortController()
  const timeout = AbortSignal.timeout(rules.downloadTimeoutMs)
  const all = AbortSignal.any([signal, timeout, slow.signal])
  const agent = new Agent({ connect: { lookup: pinnedLookup(deps.resolve ?? systemResolve, allowed) }, connections: 1 })
  const started = performance.now()
  let size = 0
  // Checked on a timer as well as per chunk: a server that sends nothing at all is slow too.
  const rateCheck = setInterval(() => {
    const elapsed = performance.now() - started
    if (elapsed > grace && size / (elapsed / 1000) < minRate) slow.abort()
  }, Math.max(50, Math.min(1000, grace)))
  try {
    const res = await request(parsed, { method: 'GET', signal: all, dispatcher: agent, headers: { 'user-agent': DEFAULT_USER_AGENT } })
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined)
      return { ok: false, code: FILE_LINK_CODES.failed, reason: `HTTP ${res.statusCode}` }
    }
    const declared = Number(res.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > rules.maxBytes) {
      res.body.destroy()
      return { ok: false, code: FILE_LINK_CODES.failed, reason: `larger than ${rules.maxBytes} bytes` }
    }
    const chunks: Buffer[] = []
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length
      if (size > rules.maxBytes) {
        res.body.destroy()
        return { ok: false, code: FILE_LINK_CODES.failed, reason: `larger than ${rules.maxBytes} bytes` }
      }
      chunks.push(chunk as Buffer)
    }
    const content = Buffer.concat(chunks)
    const verdict = await checkFileContent(name, guessType(name), content, rules.types)
    if (!verdict.ok) return { ok: false, code: FILE_LINK_CODES.content, reason: verdict.reason }
    return { ok: true, content }
  } catch (err) {
    const cause = refusedCause(err)
    if (cause !== undefined) return refused(cause.message)
    if (signal.aborted) return { ok: false, code: FILE_LINK_CODES.budget, reason: 'the submission\'s download budget ran out' }
    if (slow.signal.aborted) return { ok: false, code: FILE_LINK_CODES.failed, reason: `slower than ${minRate} bytes/s after ${grace} ms` }
    if (timeout.aborted) return { ok: false, code: FILE_LINK_CODES.failed, reason: `not fetched within ${rules.downloadTimeoutMs} ms` }
    return { ok: false, code: FILE_LINK_CODES.failed, reason: (err as Error).message.slice(0, 200) }
  } finally {
    clearInterval(rateCheck)
    // Not awaited: the link's outcome is decided; a failed teardown of this fetch's agent changes nothing.
    agent.destroy().catch(() => undefined)
  }
}
