/** Decides, per HTTP request, which fault (if any) to inject: the `next` queue first, then seeded dice. */
import type { DelayRange, FaultConfig, FaultToken } from './types.ts'

export interface FaultDecision {
  fault?: FaultToken
  delayMs: number
}

/** mulberry32: tiny, fast, and good enough to make fault runs reproducible from a seed. */
export function seededRandom (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

// Probability keys in the order their shares are laid out on [0, 1).
const ROLLED: Array<[keyof FaultConfig, FaultToken]> = [
  ['reset', 'reset'],
  ['status503', '503'],
  ['status500', '500'],
  ['operationLimit', '429'],
  ['notFound', '404'],
  ['moved', '302'],
  ['lostReply', 'lostReply']
]

export class FaultPlan {
  private config: FaultConfig = {}
  private queue: FaultToken[] = []
  private random: () => number = Math.random

  constructor (config: FaultConfig = {}) {
    this.set(config)
  }

  /** Replace the whole plan; a seed restarts the dice so runs repeat exactly. */
  set (config: FaultConfig): void {
    this.config = { ...config }
    this.queue = [...(config.next ?? [])]
    this.random = config.seed === undefined ? Math.random : seededRandom(config.seed)
  }

  get current (): FaultConfig {
    return { ...this.config, next: [...this.queue] }
  }

  decide (): FaultDecision {
    return { fault: this.pickFault(), delayMs: this.pickDelay() }
  }

  private pickFault (): FaultToken | undefined {
    const queued = this.queue.shift()
    if (queued === 'ok') return undefined
    if (queued !== undefined) return queued
    const total = ROLLED.reduce((sum, [key]) => sum + this.probability(key), 0)
    if (total === 0) return undefined
    let r = this.random()
    for (const [key, token] of ROLLED) {
      const p = this.probability(key)
      if (r < p) return token
      r -= p
    }
    return undefined
  }

  private pickDelay (): number {
    const d = this.config.delayMs
    if (d === undefined) return 0
    const p = this.config.delayProbability ?? 1
    if (p < 1 && this.random() >= p) return 0
    if (typeof d === 'number') return Math.max(0, d)
    return this.fromRange(d)
  }

  private fromRange (range: DelayRange): number {
    const lo = Math.max(0, Math.min(range.min, range.max))
    const hi = Math.max(range.min, range.max)
    return lo + this.random() * (hi - lo)
  }

  private probability (key: keyof FaultConfig): number {
    const v = this.config[key]
    return typeof v === 'number' && v > 0 ? Math.min(1, v) : 0
  }
}
