/** The status page and its login page as HTML strings: plain forms, inline SVG, no script. */
import type { ActivitySeries } from '../../outbox/admin-types.ts'
import type { SubmissionRecord, SubmissionSummary } from '../../outbox/types.ts'
import { maskDeep, maskText } from './admin-mask.ts'
import type { Readiness } from './health.ts'
import { escapeHtml as e, renderChart } from './status-page-chart.ts'

export interface StatusView {
  report: Readiness
  hours: ActivitySeries | undefined
  days: ActivitySeries | undefined
  failures: SubmissionSummary[]
  now: number
  flash?: string
  /** A search by e-mail or phone: what was asked and what was found. */
  search?: { q: string, items: SubmissionSummary[], scanned: number, more: boolean, error?: string }
}

const STATE_TEXT: Record<string, string> = {
  ok: 'delivering',
  paused_auth: 'paused: webhook refused',
  paused_not_found: 'paused: webhook not found (404)',
  rate_limited: 'rate-limited',
  unreachable: 'unreachable',
  unknown: 'unknown'
}

/** Portal messages are HTML-ish ("…is required.<br />"): show the text. */
export const portalText = (message: string): string => maskText(message.replace(/<br\s*\/?>/gi, ' ').replace(/<[^<>]*>/g, '').trim())

function stateText (state: string, worker: Readiness['worker']): string {
  if (state !== 'unknown') return STATE_TEXT[state] ?? state
  return worker === 'external' ? 'unknown (the worker runs elsewhere)' : 'no lane (not in the config)'
}

// Two rules too long for one line of STYLE, kept byte for byte.
const STATE_COLOURS = '.ok{background:#2e9d4f}.paused_auth,.paused_not_found{background:#c62828}.rate_limited{background:#e08a00}' +
  '.unreachable{background:#c62828}.unknown{background:#778}'
const CHART_KEY = '.legend{font-weight:400;margin-left:12px}.key{margin-right:12px}' +
  '.swatch{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}'

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d2433;background:#f5f7fa}
header{background:#1d2433;color:#fff;padding:12px 24px;display:flex;justify-content:space-between;align-items:center}
header h1{font-size:18px;margin:0}main{padding:16px 24px;max-width:1100px}
section{background:#fff;border-radius:6px;padding:12px 16px;margin:0 0 16px;box-shadow:0 1px 2px #0001}
h2{font-size:15px;margin:0 0 8px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e4e8ee;vertical-align:top}th{font-weight:600;color:#556}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;color:#fff}
${STATE_COLOURS}
.figures{display:flex;gap:24px;flex-wrap:wrap}.figure b{display:block;font-size:22px}
.chart svg text{font-size:10px;fill:#667}.chart .grid{stroke:#e4e8ee}.chart figcaption{font-weight:600;margin-bottom:4px}
${CHART_KEY}
.flash{background:#e7f5ea;border:1px solid #2e9d4f;padding:8px 12px;border-radius:6px;margin-bottom:16px}
.err{color:#c62828}code{font-size:12px}button{cursor:pointer}figure{margin:0 0 12px}
`

/** `refresh`: seconds until the browser loads /status again (the page has no script to update itself). */
function page (title: string, body: string, refresh?: number): string {
  return '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">' +
    (refresh !== undefined ? `<meta http-equiv="refresh" content="${refresh};url=/status">` : '') +
    `<meta name="robots" content="noindex"><title>${e(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`
}

/** Seconds between reloads of the status page. */
export const STATUS_REFRESH_SECONDS = 30

const detailsLink = (id: string): string => `<a href="/status/submissions/${encodeURIComponent(id)}"><code>${e(id)}</code></a>`

const utc = (ms: number | null): string => ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC'

function age (seconds: number | null): string {
  if (seconds === null) return '—'
  if (seconds < 120) return `${seconds} s`
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`
  return `${(seconds / 86_400).toFixed(1)} d`
}

export function loginPage (error?: string): string {
  return page('Relay status: sign in', '<header><h1>b24-form-relay</h1></header><main><section><h2>Sign in</h2>' +
    (error !== undefined ? `<p class="err" role="alert">${e(error)}</p>` : '') +
    '<form method="post" action="/status/login"><label>Admin token ' +
    '<input type="password" name="token" autocomplete="current-password" required autofocus></label> ' +
    '<button type="submit">Sign in</button></form></section></main>')
}

function charts (view: StatusView): string {
  if (view.hours === undefined || view.days === undefined) return '<p>Charts need the SQLite store.</p>'
  const series = (a: ActivitySeries): Array<{ name: string, color: string, values: number[] }> => [
    { name: 'submissions', color: '#2f6fdb', values: a.counts.received },
    { name: 'deliveries', color: '#2e9d4f', values: a.counts.delivered },
    { name: 'failed attempts', color: '#c62828', values: a.counts.failed }
  ]
  return renderChart({
    title: 'Last 24 hours (per hour)',
    buckets: view.hours.buckets,
    series: series(view.hours),
    labelEvery: 3,
    label: b => new Date(b).toISOString().slice(11, 16)
  }) +
    renderChart({
      title: 'Last 30 days (per day)',
      buckets: view.days.buckets,
      series: series(view.days),
      labelEvery: 5,
      label: b => new Date(b).toISOString().slice(5, 10)
    })
}

const button = (action: string, label: string): string =>
  `<form method="post" action="${action}" style="display:inline"><button type="submit">${label}</button></form>`

const retryButton = (id: string): string =>
  `<form method="post" action="/status/retry/${encodeURIComponent(id)}"><button type="submit">Retry</button></form>`

export function statusPage (view: StatusView): string {
  const { report } = view
  const portals = Object.entries(report.portals).map(([id, p]) =>
    `<tr data-portal="${e(id)}"><td>${e(id)}</td>` +
    `<td><span class="badge ${e(p.state)}">${e(stateText(p.state, report.worker))}</span></td>` +
    `<td>${utc(p.since)}</td><td>${p.pending}</td><td>${p.leased}</td><td>${p.dead}</td>` +
    `<td>${p.lastError === null ? '' : `<code>${e(p.lastError.code)}</code> ${e(portalText(p.lastError.message))}`}</td></tr>`).join('')
  const q = report.queue
  const figures = q === null
    ? '<p class="err">The store does not answer.</p>'
    : `<div class="figures"><div class="figure"><b data-figure="pending">${q.pending + q.leased}</b>waiting</div>` +
      `<div class="figure"><b data-figure="due">${q.due}</b>due now</div>` +
      `<div class="figure"><b data-figure="dead">${q.dead}</b>dead letters</div>` +
      `<div class="figure"><b data-figure="held">${q.held}</b>held (flood)</div>` +
      `<div class="figure"><b data-figure="delivered">${q.delivered}</b>delivered</div>` +
      `<div class="figure"><b data-figure="oldest">${age(q.oldestPendingAgeSeconds)}</b>oldest waiting</div></div>`
  const failures = view.failures.map(s =>
    `<tr data-submission="${e(s.id)}"><td>${utc(s.updatedAt)}</td><td>${detailsLink(s.id)}</td>` +
    `<td>${e(s.formId)}</td><td>${e(s.portalId)}</td>` +
    `<td>${e(s.status === 'dead' ? 'dead letter' : 'retrying')}</td>` +
    `<td>${s.lastError === null ? '' : `<code>${e(s.lastError.code)}</code> ${e(portalText(s.lastError.message))}`}</td>` +
    `<td>${s.status === 'dead' ? retryButton(s.id) : ''}</td></tr>`).join('')
  const held = q !== null && q.held > 0
    ? `<section data-section="held"><h2>Held during a flood</h2><p>${q.held} submissions came while a form was over its per-form limit. ` +
      'They are kept and answered as accepted, and released by themselves once the form has been quiet' +
      `${q.newestHeldAt === null ? '' : ` (newest ${utc(q.newestHeldAt)})`}.</p>` +
      button('/status/held/release', 'Release all held now') + ' ' +
      button('/status/held/discard', 'Discard all held (spam)') + '</section>'
    : ''
  const space = report.space
  const full = space?.state === 'full'
  const spaceBanner = space !== undefined && (space.state === 'low' || full)
    ? `<p class="${full ? 'err ' : ''}flash" role="alert" data-space="${e(space.state)}">` +
      `<b>${full ? 'Store full: new submissions are refused (503 RELAY_ERR_STORE_FULL).' : 'Store running out of room.'}</b> ` +
      `${e(space.reason ?? '')}</p>`
    : ''
  const retryAll = q !== null && q.dead > 0
    ? '<form method="post" action="/status/retry-all"><button type="submit">Retry all dead letters</button></form>'
    : ''
  const failureTable = failures === ''
    ? '<p>None.</p>'
    : '<table><thead><tr><th>When</th><th>Submission</th><th>Form</th><th>Portal</th>' +
      '<th>Status</th><th>Portal\'s message</th><th></th></tr></thead>' +
      `<tbody>${failures}</tbody></table>`

  return page('Relay status', header(view.now, report) +
    (view.flash !== undefined ? `<p class="flash" role="status">${e(view.flash)}</p>` : '') + spaceBanner +
    searchSection(view.search) +
    `<section><h2>Queue</h2>${figures}</section>` + held +
    '<section><h2>Portals</h2><table><thead><tr><th>Portal</th><th>State</th><th>Since</th>' +
    '<th>Pending</th><th>Leased</th><th>Dead</th><th>Last error</th></tr></thead>' +
    `<tbody>${portals}</tbody></table></section>` +
    `<section><h2>Activity</h2>${charts(view)}</section>` +
    `<section><h2>Recent failures</h2>${retryAll}${failureTable}</section>` +
    '</main>', view.search === undefined ? STATUS_REFRESH_SECONDS : undefined)
}

function header (now: number, report?: Readiness): string {
  const facts = report === undefined ? '' : ` · worker ${e(report.worker)} · store ${report.store.ok ? 'ok' : '<b>failing</b>'}`
  return '<header><h1><a href="/status" style="color:inherit;text-decoration:none">b24-form-relay status</a></h1>' +
    `<span>${utc(now)}${facts} <form method="post" action="/status/logout" style="display:inline">` +
    '<button type="submit">Sign out</button></form></span></header><main>'
}

function searchSection (search: StatusView['search']): string {
  const form = '<form method="get" action="/status" role="search"><label>Find submissions by e-mail or phone ' +
    `<input type="search" name="q" value="${e(search?.q ?? '')}" maxlength="254" placeholder="e-mail or phone"></label> ` +
    '<button type="submit">Search</button></form>'
  if (search === undefined) return `<section>${form}</section>`
  const rows = search.items.map(s => `<tr data-result="${e(s.id)}"><td>${utc(s.createdAt)}</td><td>${detailsLink(s.id)}</td>` +
    `<td>${e(s.formId)}</td>` +
    `<td>${e(s.portalId)}</td><td>${e(s.status)}</td><td>${s.leadId ?? ''}</td></tr>`).join('')
  const result = search.error !== undefined
    ? `<p class="err">${e(search.error)}</p>`
    : rows === ''
      ? `<p>No submission holds that (${search.scanned} looked at).</p>`
      : '<table><thead><tr><th>Received</th><th>Submission</th><th>Form</th><th>Portal</th><th>Status</th><th>Lead</th></tr></thead>' +
        `<tbody>${rows}</tbody></table>` +
        (search.more ? `<p>Only the first ${search.items.length} shown; the admin API pages on.</p>` : '')
  return `<section><h2>Search</h2>${form}${result}</section>`
}

export function notFoundPage (now: number): string {
  return page('Not found', header(now) + '<section><p>No submission with that id (deleted or erased?).</p>' +
    '<p><a href="/status">Back to the status page</a></p></section></main>')
}

/** One submission: its mapped fields, what the visitor sent, every attempt with the portal's message (contact data masked). */
export function submissionPage (record: SubmissionRecord, now: number): string {
  const fields = Object.entries((maskDeep(record.payload.fields ?? {}) ?? {}) as Record<string, unknown>)
    .map(([k, v]) => `<tr><th>${e(k)}</th><td>${e(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`).join('')
  const attempts = record.history.map(a => `<tr><td>${a.attempt}</td><td>${utc(a.startedAt)}</td><td>${e(a.outcome)}</td>` +
    `<td>${a.error === null ? '' : `<code>${e(a.error.code)}</code> ${e(portalText(a.error.message))}`}</td></tr>`).join('')
  const retry = record.status === 'dead' ? retryButton(record.id) : ''
  const lastError = record.lastError === null
    ? ''
    : `<code>${e(record.lastError.code)}</code> ` + e(portalText(record.lastError.message))
  return page(`Submission ${record.id}`, header(now) +
    `<section><h2>Submission <code>${e(record.id)}</code></h2><table><tbody>` +
    `<tr><th>Status</th><td>${e(record.status)}${record.leadId !== null ? ` · lead ${record.leadId}` : ''}</td></tr>` +
    `<tr><th>Form / portal</th><td>${e(record.formId)} / ${e(record.portalId)}</td></tr>` +
    `<tr><th>Received</th><td>${utc(record.createdAt)}</td></tr><tr><th>Attempts</th><td>${record.attempts}</td></tr>` +
    `<tr><th>Last error</th><td>${lastError}</td></tr>` +
    `</tbody></table>${retry}</section>` +
    `<section><h2>Fields sent to Bitrix24</h2><table><tbody>${fields}</tbody></table></section>` +
    `<section><h2>Attempts</h2>${attempts === ''
      ? '<p>None yet.</p>'
      : '<table><thead><tr><th>#</th><th>Started</th><th>Outcome</th><th>Portal\'s message</th></tr></thead>' +
        `<tbody>${attempts}</tbody></table>`
    }</section>` +
    '<p><a href="/status">Back to the status page</a></p></main>')
}
