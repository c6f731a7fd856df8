/** How big and how long each scenario is: the full suite, and the quick mode CI runs to prove the suite works. */

export interface Settings {
  mode: 'full' | 'quick'
  /** Runs per figure; each figure reported is the median of these. */
  runs: number
  intake: { connections: number, warmupSeconds: number, seconds: number }
  drain: { backlog: number, burst: number, drainPerSecond: number, connections: number }
  /** `warmup` submissions reach each server before the spike: a spike hits a relay that has been up (see bench/scenarios/spike.ts). */
  spike: { submissions: number, seconds: number, burst: number, drainPerSecond: number, connections: number, warmup: number }
  startRuns: number
  /** Spam from `addresses` forwarded addresses (round robin) with `visitors` real ones spread through it. */
  flood: { spam: number, addresses: number, visitors: number, connections: number, storeBytes: number }
  /** Bitrix24 puts at most this many commands in one batch call. */
  batchSize: number
}

// The intake warm-up outlasts the delivery worker's start: right after a start it may spend the
// portal's whole burst (49 batch calls) at once, and the measured window should show the steady state.
export const FULL: Settings = {
  mode: 'full',
  runs: 3,
  intake: { connections: 50, warmupSeconds: 5, seconds: 6 },
  drain: { backlog: 5000, burst: 50, drainPerSecond: 2, connections: 50 },
  spike: { submissions: 2000, seconds: 10, burst: 50, drainPerSecond: 2, connections: 50, warmup: 100 },
  startRuns: 5,
  flood: { spam: 5000, addresses: 500, visitors: 20, connections: 50, storeBytes: 64 * 1024 * 1024 },
  batchSize: 50
}

// A smaller bucket keeps the drain theory above zero with a small backlog: 10 calls, 5 at once, then 2/s.
export const QUICK: Settings = {
  mode: 'quick',
  runs: 1,
  intake: { connections: 50, warmupSeconds: 0.5, seconds: 2 },
  drain: { backlog: 500, burst: 5, drainPerSecond: 2, connections: 50 },
  spike: { submissions: 200, seconds: 2, burst: 5, drainPerSecond: 2, connections: 20, warmup: 5 },
  startRuns: 2,
  flood: { spam: 1000, addresses: 100, visitors: 20, connections: 50, storeBytes: 64 * 1024 * 1024 },
  batchSize: 50
}

/** The leaky bucket's time for n batch calls: `burst` at once, then one per 1/drain seconds. */
export function drainTheorySeconds (backlog: number, s: Settings['drain'], batchSize: number): number {
  const calls = Math.ceil(backlog / batchSize)
  return Math.max(0, calls - s.burst) / s.drainPerSecond
}
