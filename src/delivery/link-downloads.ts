/**
 * The process's pool for CF7 file links: at most `concurrency` fetches at once for every portal
 * together, a budget per submission (all its links, from the moment delivery first asks), and at
 * most `maxWaiting` submissions waiting. Delivery never awaits a fetch: it asks `status`, gets the
 * results once every link is settled, and is called back (`onDone`) when they are.
 */
import type { FileRules } from '../domain/stored-file.ts'
import { FILE_LINK_CODES } from '../errors.ts'
import { FILES_DEFAULTS } from '../config/schema.ts'
import { fetchLink, type LinkFetchDeps, type LinkResult } from './link-fetch.ts'

export interface Link { url: string, name: string }

interface Download {
  results: Array<LinkResult | undefined>
  left: number
  abort: AbortController
  timer: NodeJS.Timeout
  /** When every link was settled; undefined while some are not. */
  doneAt?: number
  onDone?: () => void
}

interface Task { download: Download, index: number, link: Link, rules: FileRules }

export interface LinkDownloadsOptions extends LinkFetchDeps {
  concurrency: number
  maxWaiting: number
  now?: () => number
  /** How long settled results wait for their submission to come and take them. */
  keepMs?: number
}

export class LinkDownloads {
  readonly #downloads = new Map<string, Download>()
  readonly #queue: Task[] = []
  #active = 0
  readonly #now: () => number
  readonly #keepMs: number

  constructor (private readonly opts: LinkDownloadsOptions) {
    this.#now = opts.now ?? Date.now
    this.#keepMs = opts.keepMs ?? 10 * 60 * 1000
  }

  /** Fetches in flight right now (for tests and metrics). */
  get active (): number { return this.#active }

  /**
   * The submission's results (one per link, in order) once all are settled; else undefined, and
   * the downloads are started if they were not, with `onDone` called when they are settled. Past
   * `maxWaiting` nothing is fetched: every link is settled at once as over budget.
   */
  status (id: string, links: readonly Link[], rules: FileRules, budgetMs: number, onDone: () => void): LinkResult[] | undefined {
    this.#sweep()
    let d = this.#downloads.get(id)
    if (d === undefined) {
      const waiting = [...this.#downloads.values()].filter(x => x.doneAt === undefined).length
      if (waiting >= this.opts.maxWaiting || links.length === 0) {
        const reason = links.length === 0
          ? 'no links'
          : `${waiting} submissions are already waiting for downloads (delivery.fileDownloadQueue)`
        return links.map(() => ({ ok: false, code: FILE_LINK_CODES.budget, reason }))
      }
      const abort = new AbortController()
      d = { results: links.map(() => undefined), left: links.length, abort, timer: setTimeout(() => abort.abort(), budgetMs) }
      d.timer.unref()
      this.#downloads.set(id, d)
      for (const [index, link] of links.entries()) this.#queue.push({ download: d, index, link, rules })
      this.#pump()
    }
    if (d.doneAt !== undefined) return d.results as LinkResult[]
    d.onDone = onDone
    return undefined
  }

  /** The submission took its results (or no longer needs them). */
  forget (id: string): void {
    const d = this.#downloads.get(id)
    if (d === undefined) return
    clearTimeout(d.timer)
    d.abort.abort()
    this.#downloads.delete(id)
  }

  /** Aborts everything (shutdown). */
  close (): void {
    for (const id of [...this.#downloads.keys()]) this.forget(id)
    this.#queue.length = 0
  }

  #pump (): void {
    while (this.#active < this.opts.concurrency) {
      const task = this.#queue.shift()
      if (task === undefined) return
      if (task.download.abort.signal.aborted) {
        const reason = 'the submission\'s download budget ran out before this link\'s turn'
        this.#settle(task, { ok: false, code: FILE_LINK_CODES.budget, reason })
        continue
      }
      this.#active++
      // eslint-disable-next-line @typescript-eslint/no-floating-promises -- a failed fetch is caught below and settles the link
      fetchLink(task.link.url, task.link.name, task.rules, task.download.abort.signal, this.opts)
        .catch((err: unknown) => ({ ok: false as const, code: FILE_LINK_CODES.failed, reason: (err as Error).message }))
        .then(result => {
          this.#active--
          this.#settle(task, result)
          this.#pump()
        })
    }
  }

  #settle (task: Task, result: LinkResult): void {
    const d = task.download
    if (d.results[task.index] !== undefined) return
    d.results[task.index] = result
    d.left--
    if (d.left > 0) return
    clearTimeout(d.timer)
    d.doneAt = this.#now()
    const done = d.onDone
    d.onDone = undefined
    done?.()
  }

  /** Results nobody came for (the lease ran out, another worker took the submission) are dropped. */
  #sweep (): void {
    const now = this.#now()
    for (const [id, d] of this.#downloads) {
      if (d.doneAt !== undefined && now - d.doneAt > this.#keepMs) this.#downloads.delete(id)
    }
  }
}

/** The submission's budget: the form's, never more than half a lease, so a waiting claim cannot outlive its lease. */
export function budgetOf (rules: FileRules, leaseMs: number): number {
  return Math.max(1, Math.min(rules.downloadBudgetMs ?? FILES_DEFAULTS.downloadBudgetMs, Math.floor(leaseMs / 2)))
}
