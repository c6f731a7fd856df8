/**
 * What embed.js reads from the site's own analytics at submit time: the Bitrix24 tracker's trace
 * (b24_trace → TRACE), the Google Analytics / Yandex Metrica / Roistat ids from first-party cookies,
 * and the pages of the visit. Each is checked for shape with bounded, linear work; a value that does
 * not fit is kept readable or dropped with a note, never a reason to refuse the lead.
 */
import type { Messages } from './messages.ts'
import { oneLine, truncate } from './text.ts'

export const TRACE_FIELD = 'b24_trace'
export const VISITED_FIELD = 'visited_pages'

/** Bitrix24's tracker keeps its trace small; anything larger is not one. */
export const TRACE_MAX_BYTES = 16 * 1024

export type AnalyticsKey = 'gaClientId' | 'ymClientId' | 'roistatVisit'

/** Hidden field → config key, shape and the most characters kept of an odd value. */
export const ANALYTICS_FIELDS: ReadonlyArray<{ field: string, key: AnalyticsKey, shape: RegExp }> = [
  // "987654321.1700000000": a random number and the first visit's Unix time.
  { field: 'ga_client_id', key: 'gaClientId', shape: /^\d{1,20}\.\d{1,20}$/ },
  // Metrica's ClientID (_ym_uid): digits only.
  { field: 'ym_client_id', key: 'ymClientId', shape: /^\d{1,30}$/ },
  // Roistat's visit number (roistat_visit).
  { field: 'roistat_visit', key: 'roistatVisit', shape: /^\d{1,20}$/ }
]

const ODD_VALUE_MAX = 200

const ATTRIBUTION_FIELDS: ReadonlySet<string> = new Set([TRACE_FIELD, VISITED_FIELD, ...ANALYTICS_FIELDS.map(a => a.field)])

/** The hidden fields this module reads (lower case): never "label: value" lines of their own. */
export function isAttributionField (name: string): boolean {
  return ATTRIBUTION_FIELDS.has(name.trim().toLowerCase())
}

export type TraceCheck =
  | { ok: true, trace: string }
  | { ok: false, reason: 'too_large' | 'not_json', bytes: number }

/**
 * A trace as Bitrix24's tracker makes it: a JSON object (or array) in at most TRACE_MAX_BYTES. The text
 * is passed on as sent — the portal parses it itself — only after the size is known to be small, so
 * JSON.parse never sees a large input.
 */
export function checkTrace (text: string): TraceCheck {
  const bytes = Buffer.byteLength(text, 'utf8')
  if (bytes > TRACE_MAX_BYTES) return { ok: false, reason: 'too_large', bytes }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { ok: false, reason: 'not_json', bytes }
  }
  if (parsed === null || typeof parsed !== 'object') return { ok: false, reason: 'not_json', bytes }
  return { ok: true, trace: text }
}

export interface AnalyticsId {
  key: AnalyticsKey
  /** The value as it goes to the lead: the id itself, or the odd text cut to a readable length. */
  value: string
  /** False when the value does not look like an id of its kind. */
  wellFormed: boolean
}

export function readAnalyticsId (key: AnalyticsKey, text: string): AnalyticsId {
  const spec = ANALYTICS_FIELDS.find(a => a.key === key)
  const value = oneLine(text)
  // The length check comes first, so the shape test only ever runs on a short string.
  const wellFormed = spec !== undefined && value.length <= 64 && spec.shape.test(value)
  return { key, value: wellFormed ? value : truncate(value, ODD_VALUE_MAX), wellFormed }
}

export interface VisitedPage {
  url: string
  title: string
  /** Seconds between the visit to the page and the submission. */
  secondsBefore: number
}

/** The embed sends at most this many pages; a list longer than this is cut to its most recent ones. */
export const VISITED_MAX = 10
const VISITED_MAX_CHARS = 8 * 1024
const VISITED_URL_MAX = 300
const VISITED_TITLE_MAX = 150

/**
 * Origin and path only: the query and the fragment of a page may hold what the visitor typed
 * (a search, an e-mail in a newsletter link, a reset token), so they are never kept.
 */
function pathOnly (text: string): string | undefined {
  if (text.length > 2048) return undefined
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return truncate(url.origin + url.pathname, VISITED_URL_MAX)
}

/**
 * The visited-pages field: JSON `[[url, title, secondsBefore], …]`, oldest first. Undefined when the
 * text is not such a list; entries that are not pages are skipped.
 */
export function parseVisitedPages (text: string): VisitedPage[] | undefined {
  if (text.length > VISITED_MAX_CHARS) return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (!Array.isArray(parsed)) return undefined
  const pages: VisitedPage[] = []
  for (const entry of parsed.slice(-VISITED_MAX)) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue
    const url = pathOnly(entry[0])
    if (url === undefined) continue
    const title = typeof entry[1] === 'string' ? truncate(oneLine(entry[1]), VISITED_TITLE_MAX) : ''
    const seconds = typeof entry[2] === 'number' && Number.isFinite(entry[2]) && entry[2] >= 0 ? Math.round(entry[2]) : 0
    pages.push({ url, title, secondsBefore: seconds })
  }
  return pages
}

/** The COMMENTS lines of the visited pages: a heading, then one line per page. */
export function visitedPageLines (pages: readonly VisitedPage[], messages: Messages): string[] {
  return [
    `${messages.visitedPages}:`,
    ...pages.map((p, i) => {
      const title = p.title !== '' ? `${p.title} — ` : ''
      return `${i + 1}. ${title}${p.url} (${messages.minutesBefore(Math.floor(p.secondsBefore / 60))})`
    })
  ]
}
