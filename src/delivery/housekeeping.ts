/**
 * The store's upkeep, run where delivery runs: the retention purge (at most every
 * `retention.purgeEveryMs`) and the release of held submissions once a flood has ended. A flood is
 * over when no submission has been held for `flood.quietMs`; then held ones become pending at
 * `flood.releasePerMinute`, oldest first, so a burst held during the flood reaches the portal as a
 * trickle rather than a second flood. Both read the store only, so it works with the worker in
 * another process, and with several workers (each releases its share of the same budget per tick;
 * the rate is per worker).
 */
import type { Logger } from 'pino'
import type { RelayConfig } from '../config/schema.ts'
import type { Outbox } from '../outbox/types.ts'

export interface HousekeepingDeps {
  outbox: Outbox
  config: () => RelayConfig
  logger: Logger
  now?: () => number
  /** How often it looks at the store; default 5 s. */
  tickMs?: number
  /** Called after held submissions were released, so the lanes claim them at once. */
  onReleased?: () => void
}

const PURGE_BATCH = 500
/** A purge keeps deleting batches while they come back full, within this many per run. */
const PURGE_ROUNDS = 20

export class Housekeeping {
  readonly #d: HousekeepingDeps
  readonly #log: Logger
  readonly #now: () => number
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #nextPurgeAt = 0
  #releaseCredit = 0
  #lastTickAt: number | undefined

  constructor (deps: HousekeepingDeps) {
    this.#d = deps
    this.#log = deps.logger.child({ component: 'housekeeping' })
    this.#now = deps.now ?? Date.now
  }

  start (): void {
    if (this.#timer !== undefined) return
    const every = this.#d.tickMs ?? 5000
    const run = (): void => {
      this.#running = this.tick()
        .then(() => {}, err => { this.#log.error({ err }, 'store upkeep failed; trying again later') })
        .finally(() => { this.#running = undefined })
    }
    // One pass at a time: a slow purge skips ticks rather than piling them up.
    this.#timer = setInterval(() => { if (this.#running === undefined) run() }, every)
    this.#timer.unref()
    run()
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }

  /** One pass: purge if due, release held submissions if the flood is over. */
  async tick (): Promise<{ purged: number, released: number }> {
    const now = this.#now()
    const purged = now >= this.#nextPurgeAt ? await this.#purge(now) : 0
    const released = await this.#release(now)
    return { purged, released }
  }

  async #purge (now: number): Promise<number> {
    const r = this.#d.config().retention
    this.#nextPurgeAt = now + r.purgeEveryMs
    const opts = { deliveredBefore: now - r.deliveredMs, deadBefore: now - r.deadMs, heldBefore: now - r.heldMs, limit: PURGE_BATCH }
    const total = { delivered: 0, dead: 0, held: 0 }
    for (let round = 0; round < PURGE_ROUNDS; round++) {
      const done = await this.#d.outbox.purge(opts)
      total.delivered += done.delivered
      total.dead += done.dead
      total.held += done.held
      if (Math.max(done.delivered, done.dead, done.held) < PURGE_BATCH) break
    }
    const n = total.delivered + total.dead + total.held
    if (n > 0) this.#log.info(total, 'retention: old submissions deleted')
    return n
  }

  async #release (now: number): Promise<number> {
    const flood = this.#d.config().flood
    const lastTickAt = this.#lastTickAt ?? now
    this.#lastTickAt = now
    if (flood.releasePerMinute === 0) return 0
    const summary = await this.#d.outbox.heldSummary()
    if (summary.held === 0 || summary.newestHeldAt === null) {
      this.#releaseCredit = 0
      return 0
    }
    if (now - summary.newestHeldAt < flood.quietMs) {
      this.#releaseCredit = 0
      return 0
    }
    // A paced budget earned over quiet time only, a minute's worth at most, so a long pause does not turn into a burst.
    const elapsed = Math.max(0, now - Math.max(lastTickAt, summary.newestHeldAt + flood.quietMs))
    this.#releaseCredit = Math.min(flood.releasePerMinute, this.#releaseCredit + flood.releasePerMinute * elapsed / 60_000)
    const limit = Math.floor(this.#releaseCredit)
    if (limit < 1) return 0
    const released = await this.#d.outbox.releaseHeld({ limit })
    this.#releaseCredit -= released
    if (released > 0) {
      this.#log.info({ released, stillHeld: summary.held - released }, 'flood over: held submissions released')
      this.#d.onReleased?.()
    }
    return released
  }
}
