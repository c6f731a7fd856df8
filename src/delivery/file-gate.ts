/**
 * Where a portal's rich submissions wait for their CF7 file links without holding the lane. A
 * claimed submission whose links are not fetched yet stays here, leased, while the lane goes on
 * with the others; when the process's pool (link-downloads.ts) has settled its links, the lane is
 * woken and takes it back on its next turn. Its wait is bounded by the submission's budget, which
 * is at most half a lease. One gate per portal, kept across config reloads.
 */
import type { Logger } from 'pino'
import type { FileRules, StoredFile } from '../domain/stored-file.ts'
import { FILE_LINK_CODES } from '../errors.ts'
import { budgetOf, type LinkDownloads } from './link-downloads.ts'
import type { Stored } from './stored-payload.ts'

/** A file ready to attach (`content`, base64), or one that is not attached (`failed`: the reason, for the log only). */
export interface LoadedFile {
  name: string
  content?: string
  failed?: { code: string, reason: string }
}

/** A stored submission on its way to the portal: with its files loaded here before anything is sent. */
export interface Rich extends Stored {
  /** The files ready to attach, one per stored file (set by the file gate before anything is sent). */
  files?: LoadedFile[]
}

/** What the config says about links now. */
export type LinkSettings = Pick<FileRules, 'download' | 'allowHosts' | 'allowPrivateAddresses'>

/**
 * The rules stored at intake, tightened by the form's settings now: turning `download` or
 * `allowPrivateAddresses` off, or setting `allowHosts`, holds for submissions already queued too.
 * A form that no longer has `files` fetches no links.
 */
export function linkRules (stored: FileRules, now: LinkSettings | undefined): FileRules {
  const allowHosts = now?.allowHosts ?? stored.allowHosts
  return {
    ...stored,
    download: stored.download && now?.download === true,
    allowPrivateAddresses: stored.allowPrivateAddresses === true && now?.allowPrivateAddresses === true,
    ...(allowHosts !== undefined ? { allowHosts } : {})
  }
}

const isLink = (f: StoredFile): f is StoredFile & { url: string } => f.content === undefined && f.url !== undefined

export class FileGate {
  readonly #parked = new Map<string, Stored>()
  readonly #ready = new Set<string>()

  constructor (private readonly downloads: LinkDownloads, private readonly wake: () => void) {}

  /** How many claims are waiting here. */
  get waiting (): number { return this.#parked.size }

  /**
   * The submissions that may go on now, each with its files loaded; the others wait here. A
   * submission without links to fetch always goes on.
   */
  sort (items: Rich[], leaseMs: number, log: Logger, settings: (formId: string) => LinkSettings | undefined): Rich[] {
    const go: Rich[] = []
    for (const r of items) {
      const spec = r.extras.files
      if (spec === undefined) { go.push(r); continue }
      const rules = linkRules(spec.rules, settings(r.c.formId))
      const links = rules.download ? spec.items.filter(isLink) : []
      let results: ReturnType<LinkDownloads['status']> = []
      if (links.length > 0) {
        const id = r.c.id
        const budget = budgetOf(rules, leaseMs)
        results = this.downloads.status(id, links.map(f => ({ url: f.url, name: f.name })), rules, budget, () => {
          this.#ready.add(id)
          this.wake()
        })
        if (results === undefined) {
          this.#parked.set(id, { c: r.c, fields: r.fields, extras: r.extras, hasExtras: r.hasExtras })
          log.debug({ submissionId: id, links: links.length }, 'waiting for file links; the lane goes on')
          continue
        }
        this.downloads.forget(id)
      }
      const loaded: LoadedFile[] = []
      let next = 0
      for (const f of spec.items) {
        if (f.content !== undefined) { loaded.push({ name: f.name, content: f.content }); continue }
        const failed = f.url === undefined
          ? { code: FILE_LINK_CODES.failed, reason: 'no content' }
          : !rules.download ? { code: FILE_LINK_CODES.off, reason: 'a link; fetching links is off (files.download)' } : undefined
        const got = failed === undefined ? results[next++] : undefined
        if (got?.ok === true) { loaded.push({ name: f.name, content: got.content.toString('base64') }); continue }
        const why = failed ?? (got !== undefined && !got.ok
          ? { code: got.code, reason: got.reason }
          : { code: FILE_LINK_CODES.failed, reason: 'no result' })
        if (why.code !== FILE_LINK_CODES.off) {
          log.warn({ submissionId: r.c.id, file: f.name, link: f.url, code: why.code, reason: why.reason }, 'file link not attached')
        }
        loaded.push({ name: f.name, failed: why })
      }
      go.push({ ...r, files: loaded })
    }
    return go
  }

  /** Claims whose links are settled, to deliver now. */
  resume (): Stored[] {
    const out: Stored[] = []
    for (const id of this.#ready) {
      const c = this.#parked.get(id)
      this.#parked.delete(id)
      if (c !== undefined) out.push(c)
    }
    this.#ready.clear()
    return out
  }

  /** Every waiting claim, handed back (the lane stops and releases them). */
  drain (): Stored[] {
    const out = [...this.#parked.values()]
    for (const id of this.#parked.keys()) this.downloads.forget(id)
    this.#parked.clear()
    this.#ready.clear()
    return out
  }
}
