/** Server-rendered SVG line charts for the status page: no script, no library, readable without colour. */

export interface ChartSeries {
  name: string
  color: string
  values: number[]
}

export interface ChartInput {
  title: string
  /** Start of each bucket (epoch ms), oldest first. */
  buckets: number[]
  series: ChartSeries[]
  /** Label of a bucket on the x axis and in tooltips. */
  label: (bucket: number) => string
  /** Show every n-th x label. */
  labelEvery: number
}

const W = 720
const H = 200
const PAD = { left: 44, right: 12, top: 12, bottom: 28 }

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c] ?? c))
}

/** A "nice" axis maximum: 1, 2 or 5 times a power of ten, at least 1. */
export function niceMax (value: number): number {
  if (value <= 1) return 1
  const power = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power
  return 10 * power
}

export function renderChart (input: ChartInput): string {
  const n = input.buckets.length
  const max = niceMax(Math.max(0, ...input.series.flatMap(s => s.values)))
  const plotW = W - PAD.left - PAD.right
  const plotH = H - PAD.top - PAD.bottom
  const x = (i: number): number => PAD.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1))
  const y = (v: number): number => PAD.top + plotH - (v / max) * plotH
  const f = (v: number): string => v.toFixed(1)

  const grid = [0, 0.5, 1].map(t => {
    const v = max * t
    return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(v))}" y2="${f(y(v))}" class="grid"/>` +
      `<text x="${PAD.left - 6}" y="${f(y(v) + 4)}" text-anchor="end">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`
  }).join('')
  const labels = input.buckets.map((b, i) => i % input.labelEvery === 0 || i === n - 1
    ? `<text x="${f(x(i))}" y="${H - 8}" text-anchor="${i === n - 1 ? 'end' : 'middle'}">${escapeHtml(input.label(b))}</text>`
    : '').join('')
  const lines = input.series.map(s => {
    const points = s.values.map((v, i) => `${f(x(i))},${f(y(v))}`).join(' ')
    const dots = s.values.map((v, i) => v > 0
      ? `<circle cx="${f(x(i))}" cy="${f(y(v))}" r="2.5" fill="${s.color}">` +
        `<title>${escapeHtml(`${input.label(input.buckets[i] ?? 0)}: ${v} ${s.name}`)}</title></circle>`
      : '').join('')
    return `<g class="series" data-series="${escapeHtml(s.name)}" data-total="${s.values.reduce((a, b) => a + b, 0)}">` +
      `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>${dots}</g>`
  }).join('')
  const legend = input.series.map(s =>
    `<span class="key"><span class="swatch" style="background:${s.color}"></span>` +
    `${escapeHtml(s.name)}: ${s.values.reduce((a, b) => a + b, 0)}</span>`).join(' ')

  return `<figure class="chart"><figcaption>${escapeHtml(input.title)} <span class="legend">${legend}</span></figcaption>` +
    `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${escapeHtml(input.title)}">${grid}${labels}${lines}</svg></figure>`
}
