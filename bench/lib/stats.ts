/** Small statistics: medians across runs and percentiles of one run's latencies. */

export function median (values: number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (v.length === 0) return Number.NaN
  const mid = Math.floor(v.length / 2)
  return v.length % 2 === 1 ? v[mid] as number : ((v[mid - 1] as number) + (v[mid] as number)) / 2
}

/** The p-th percentile (0..100) of already sorted values, nearest-rank. */
export function percentile (sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number
}

export interface Latencies { p50: number, p99: number, max: number, count: number }

export function latencySummary (values: number[]): Latencies {
  const sorted = Float64Array.from(values).sort()
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] as number : Number.NaN,
    count: sorted.length
  }
}
