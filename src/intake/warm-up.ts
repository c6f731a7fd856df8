/**
 * Warms the intake right after the relay is ready. After a start V8 runs the submission path in its
 * interpreter and loads what it needs on first use (phone metadata, charset tables), so the first
 * posts take several times longer and a burst of visitors queues behind them. Running the pure part
 * of the path (decode, map, extras, double-submit key, the row's JSON) on sample posts of every form
 * takes that cost off them. It runs in small slices between the event loop's turns, so a visitor who
 * arrives meanwhile is answered at once and the start is not delayed. Nothing is stored, logged or
 * counted.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { own } from '../config/own.ts'
import type { FormConfig, RelayConfig } from '../config/schema.ts'
import { prepareLead } from './accept-submission.ts'
import { decodeUrlencoded } from './decode-body.ts'

export interface WarmUpOptions {
  /** Sample posts in all (default 300), shared by the forms. */
  posts?: number
  /** Stop early past this many milliseconds of work (default 150), so many forms cost no more. */
  budgetMs?: number
  /** Posts per slice between two turns of the event loop (default 10). */
  slice?: number
  now?: () => number
}

export interface WarmUpReport { posts: number, ms: number }

/** A value of the kind each mapped field expects, so the phone and e-mail checks run too. */
function sampleValue (target: string, n: number): string {
  if (target.startsWith('PHONE')) return `+7 916 ${String(100 + (n % 900))}-45-67`
  if (target.startsWith('EMAIL')) return `warm-up.${n}@example.com`
  return `Warm-up ${n}`
}

function sampleBody (form: FormConfig, n: number): Buffer {
  const params = new URLSearchParams()
  for (const [name, target] of Object.entries(form.fields)) {
    if (!name.includes('*')) params.append(name, sampleValue(target, n))
  }
  params.append('message', `Warm-up message ${n}`)
  params.append('utm_source', 'warm-up')
  params.append('page_url', `https://example.com/catalog/item-${n}?utm_medium=cpc`)
  return Buffer.from(params.toString(), 'latin1')
}

export async function warmUpIntake (config: RelayConfig, opts: WarmUpOptions = {}): Promise<WarmUpReport> {
  const now = opts.now ?? Date.now
  const budgetMs = opts.budgetMs ?? 150
  const slice = opts.slice ?? 10
  const formIds = Object.keys(config.forms)
  const total = opts.posts ?? 300
  let posts = 0
  let spent = 0
  for (let n = 0; n < total && formIds.length > 0 && spent < budgetMs; n++) {
    if (n > 0 && n % slice === 0) await nextTurn()
    const started = now()
    const formId = formIds[n % formIds.length] as string
    const form = own(config.forms, formId)
    if (form === undefined) continue
    posts++
    try {
      const values = decodeUrlencoded(sampleBody(form, n), { form: form.charset }, config.limits)
      const lead = prepareLead(config, { formId, form, values, sender: 'warm-up', referer: 'https://example.com/' }, now())
      JSON.stringify(lead.submission.payload)
      JSON.stringify(lead.submission.meta)
    } catch {
      // A form whose required fields or checks the sample does not meet still ran most of the path.
    }
    spent += now() - started
  }
  return { posts, ms: spent }
}
