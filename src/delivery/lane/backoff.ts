/** Exponential backoff with proportional jitter for delivery retries; pure, randomness injectable. */
import { DELIVERY_DEFAULTS } from '../../config/schema.ts'

export interface BackoffOptions {
  /** Delay after the first failed attempt (default: the config's `delivery.retryBaseMs`). */
  baseMs?: number
  /** Upper bound, jitter included (default: the config's `delivery.retryMaxMs`). */
  maxMs?: number
  /** Spread as a fraction of the delay: 0.2 gives ±20 %. */
  jitter?: number
  random?: () => number
}

/**
 * Delay before the next try after `attempt` failed attempts (1 → ~baseMs, 2 → ~2×baseMs, …).
 * Jitter keeps many submissions that failed together from retrying in one burst.
 */
export function backoffMs (attempt: number, opts: BackoffOptions = {}): number {
  const baseMs = opts.baseMs ?? DELIVERY_DEFAULTS.retryBaseMs
  const maxMs = opts.maxMs ?? DELIVERY_DEFAULTS.retryMaxMs
  const jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1)
  const random = opts.random ?? Math.random
  const n = Number.isFinite(attempt) ? Math.max(1, Math.floor(attempt)) : 1
  // 2 ** 1100 is Infinity, and min() folds that into maxMs, so huge attempt counts are safe.
  const raw = Math.min(maxMs, baseMs * 2 ** (n - 1))
  const r = Math.min(Math.max(random(), 0), 1)
  const jittered = raw * (1 + jitter * (2 * r - 1))
  return Math.round(Math.min(maxMs, Math.max(0, jittered)))
}
