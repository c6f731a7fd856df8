/** The portal's leaky bucket: +1 per HTTP request, drained continuously, refusing past the burst. */

export type Clock = () => number

export class LeakyBucket {
  private level = 0
  private updatedAt: number

  constructor (
    readonly burst: number,
    readonly drainPerSecond: number,
    private readonly now: Clock = () => performance.now()
  ) {
    this.updatedAt = now()
  }

  /** Count one request; false when it would push the counter past the burst (the request is refused, not counted). */
  take (): boolean {
    this.drain()
    if (this.level + 1 > this.burst) return false
    this.level += 1
    return true
  }

  current (): number {
    this.drain()
    return this.level
  }

  clear (): void {
    this.level = 0
    this.updatedAt = this.now()
  }

  private drain (): void {
    const t = this.now()
    this.level = Math.max(0, this.level - ((t - this.updatedAt) / 1000) * this.drainPerSecond)
    this.updatedAt = t
  }
}
