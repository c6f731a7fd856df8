/**
 * One portal's delivery loop: claim due submissions, read each stored payload once, hand them to
 * the portal's transport (src/delivery/transports/), pace its calls with the portal's limiter,
 * guard the leases, and settle every submission on its own. It also pauses a portal that refuses
 * the webhook or answers 404 everywhere, and probes it until it answers.
 */
import type { Logger } from 'pino'
import { BitrixError } from '../../bitrix/errors.ts'
import type { ClaimedSubmission, Outbox } from '../../outbox/types.ts'
import { decideForError, type decide, type Decision, type PortalEffect } from './decide.ts'
import type { PortalLimiter } from './portal-limiter.ts'
import { errorClass, type LaneMetrics } from '../../observability/metrics.ts'
import type { DeliveryTransport, LaneOps } from '../transports/transport.ts'
import { pauseEvery } from '../../event-loop/next-turn.ts'
import { readStored, type Stored } from '../stored-payload.ts'
import { DELIVERY_ERROR_CODES } from '../../errors.ts'

/**
 * paused_not_found: every call answers ERROR_METHOD_NOT_FOUND (404) — a mistyped webhook path, a portal
 * that moved or is gone. Like paused_auth, the queue is kept and the portal probed until it answers.
 */
export type PortalState = 'ok' | 'paused_auth' | 'paused_not_found' | 'rate_limited' | 'unreachable'

export interface LaneSettings {
  batchSize: number
  leaseMs: number
  maxAttempts: number
  maxAgeMs: number
  retryBaseMs: number
  retryMaxMs: number
  authProbeMs: number
  /** How long an idle lane sleeps before looking for new submissions (a wake() cuts it short). */
  idleMs: number
}

export interface LaneStatus {
  portalId: string
  state: PortalState
  since: number
  lastError: { code: string, message: string } | null
  delivered: number
  failed: number
}

const NOT_FOUND_MESSAGE =
  'every call to the portal answers ERROR_METHOD_NOT_FOUND (404): the webhook URL is mistyped, or the portal moved or is gone'

export class PortalLane {
  readonly #status: LaneStatus
  #stopping = false
  #wake: (() => void) | undefined
  readonly #abort = new AbortController()
  /** Transports a reload replaced, closed once the turn that may use them is over. */
  readonly #retired: DeliveryTransport[] = []
  /** Aborted when the limiter is replaced, so a wait for the old one moves to the new one. */
  #swap = new AbortController()
  #pausedUntil = 0
  #claimedAt = 0
  /** When each claim was made: one kept waiting for its file links is older than the current tick's claim. */
  readonly #claimTimes = new WeakMap<ClaimedSubmission, number>()

  constructor (
    readonly portalId: string,
    private readonly outbox: Outbox,
    private transport: DeliveryTransport,
    private bucket: PortalLimiter,
    private settings: LaneSettings,
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly metrics?: LaneMetrics
  ) {
    this.#status = { portalId, state: 'ok', since: now(), lastError: null, delivered: 0, failed: 0 }
  }

  status (): LaneStatus {
    return { ...this.#status }
  }

  /** New submissions are waiting: stop idling. */
  wake (): void {
    this.#wake?.()
  }

  /**
   * A new config: new transport, settings and, when the portal's rate limit changed, a new limiter
   * (a call waiting for a token of the old one waits for the new one instead); a paused portal is
   * tried again at once.
   */
  reconfigure (transport: DeliveryTransport, settings: LaneSettings, limiter?: PortalLimiter): void {
    if (limiter !== undefined) {
      this.bucket = limiter
      const swapped = this.#swap
      this.#swap = new AbortController()
      swapped.abort()
    }
    const old = this.transport
    this.transport = transport
    // A claim under way may still call through the old one: it is closed when the turn ends.
    if (old !== transport) this.#retired.push(old)
    this.settings = settings
    if (this.#paused()) this.#pausedUntil = 0
    this.wake()
  }

  stop (): void {
    this.#stopping = true
    this.#abort.abort()
    this.wake()
  }

  /** Runs until stop(); resolves when the in-flight call (if any) has been settled. */
  async run (): Promise<void> {
    while (!this.#stopping) {
      try {
        const worked = await this.#tick()
        if (!worked) await this.#idle(this.settings.idleMs)
      } catch (err) {
        if (this.#stopping) break
        // The store failed (disk, lock): nothing was lost, the lease will run out; try again soon.
        this.log.error({ err }, 'delivery loop error')
        await this.#idle(1000)
      } finally {
        this.#closeRetired()
      }
    }
    this.#closeRetired()
    // Claims still waiting for file links outside the lane go back uncounted, due at once.
    const waiting = this.transport.drain()
    await Promise.all(waiting.map(async ({ c }) => await this.outbox.release(c.id, c.leaseToken).catch(() => false)))
    await this.transport.close().catch(() => {})
  }

  #closeRetired (): void {
    // Not awaited: a retired transport closes in the background, and a failed close leaves nothing to undo.
    for (const t of this.#retired.splice(0)) t.close().catch(() => {})
  }

  async #tick (): Promise<boolean> {
    const now = this.now()
    if (now < this.#pausedUntil) {
      await this.#idle(this.#pausedUntil - now)
      return true
    }
    if (this.#paused()) {
      if (!await this.#probe()) return true
    }
    // Claims whose file links were fetched meanwhile come first; they were claimed (and read) on an earlier turn.
    const resumed = this.transport.resume()
    const room = this.settings.batchSize - resumed.length
    const fresh = room > 0 ? await this.outbox.claim({ limit: room, leaseMs: this.settings.leaseMs, portalId: this.portalId }) : []
    if (resumed.length + fresh.length === 0) return false
    this.#claimedAt = this.now()
    for (const c of fresh) this.#claimTimes.set(c, this.#claimedAt)
    this.log.debug({ submissionIds: [...resumed.map(s => s.c.id), ...fresh.map(c => c.id)] }, 'submissions claimed')
    if (this.#stopping) {
      await Promise.all([...resumed.map(s => s.c), ...fresh].map(c => this.outbox.release(c.id, c.leaseToken)))
      return true
    }
    const claimed = [...resumed, ...await this.#read(fresh)]
    if (claimed.length > 0) await this.transport.deliver(claimed, this.#ops())
    return true
  }

  /** The stored payloads, read once; one this version cannot read is a dead letter. */
  async #read (fresh: ClaimedSubmission[]): Promise<Stored[]> {
    const out: Stored[] = []
    for (const [i, c] of fresh.entries()) {
      const s = readStored(c)
      if ('error' in s) await this.#settle(c, { action: 'dead', error: { code: DELIVERY_ERROR_CODES.badPayload, message: s.error } })
      else out.push(s)
      await pauseEvery(i)
    }
    return out
  }

  /** Runs one portal call with a bucket token; on failure settles every item and returns undefined. */
  async #call<T> (items: ClaimedSubmission[], fn: () => Promise<T>, method = 'batch'): Promise<T | undefined> {
    try {
      await this.#take()
    } catch {
      await Promise.all(items.map(c => this.outbox.release(c.id, c.leaseToken)))
      return undefined
    }
    // A long wait for a shared limiter (Redis away, many relays on one portal) may have outlasted
    // the lease, and another worker may own these now: never start a call on a lease that ran out.
    const now = this.now()
    if (items.some(c => now - (this.#claimTimes.get(c) ?? this.#claimedAt) >= this.settings.leaseMs)) {
      this.log.warn({ count: items.length }, 'lease ran out while waiting for the rate limiter; giving the submissions back')
      await Promise.all(items.map(c => this.outbox.release(c.id, c.leaseToken)))
      return undefined
    }
    const started = performance.now()
    const took = (outcome: string): void => {
      this.metrics?.b24CallSeconds.observe({ portal: this.portalId, method, outcome }, (performance.now() - started) / 1000)
    }
    try {
      const value = await fn()
      took('ok')
      if (this.#status.state !== 'ok') this.#setState('ok', null)
      return value
    } catch (err) {
      took(err instanceof BitrixError ? err.kind : 'error')
      if (!(err instanceof BitrixError)) throw err
      if (err.kind === 'rate_limit') this.bucket.penalize()
      this.log.warn({ code: err.code, b24Error: err.b24Error, status: err.status, count: items.length }, 'portal call failed')
      if (err.kind === 'method_not_found' && err.status !== undefined && await this.#portalNotFound(method)) {
        // Not the leads' fault and nothing a retry fixes: keep them all, uncounted, until the portal answers.
        await Promise.all(items.map(c => this.outbox.release(c.id, c.leaseToken)))
        this.#applyEffect({ state: 'paused_not_found' }, { code: err.code, message: NOT_FOUND_MESSAGE })
        return undefined
      }
      await Promise.all(items.map(c => this.#settle(c, decideForError(err, {
        attempts: c.attempts,
        createdAt: c.createdAt,
        now: this.now(),
        ...this.#limits()
      }))))
      return undefined
    }
  }

  /**
   * After a 404 from `method`: does the portal answer anything? One crm.lead.fields call decides. A
   * 404 there too means the webhook path leads nowhere (the whole portal pauses); an answer means only
   * this method is missing (an old portal, a module switched off), and the leads it carries retry with
   * backoff as for any failure, so they end as dead letters an operator sees rather than waiting forever.
   */
  async #portalNotFound (method: string): Promise<boolean> {
    if (method === 'crm.lead.fields') return true
    try {
      await this.#take()
      await this.transport.probe()
    } catch (err) {
      return err instanceof BitrixError && err.kind === 'method_not_found'
    }
    this.log.warn({ method }, 'the portal answers, but not this method (ERROR_METHOD_NOT_FOUND); its submissions retry with backoff')
    return false
  }

  /** One limiter token; rejects only when the lane stops. */
  async #take (): Promise<void> {
    // Bounded by the reloads: each turn after the first follows a limiter swap.
    for (;;) {
      const swap = this.#swap.signal
      try {
        await this.bucket.take(1, AbortSignal.any([this.#abort.signal, swap]))
        return
      } catch (err) {
        if (this.#abort.signal.aborted || !swap.aborted) throw err
      }
    }
  }

  #paused (): boolean {
    return this.#status.state === 'paused_auth' || this.#status.state === 'paused_not_found'
  }

  #limits (): Pick<Parameters<typeof decide>[0], 'maxAttempts' | 'maxAgeMs' | 'retryBaseMs' | 'retryMaxMs'> {
    const s = this.settings
    return { maxAttempts: s.maxAttempts, maxAgeMs: s.maxAgeMs, retryBaseMs: s.retryBaseMs, retryMaxMs: s.retryMaxMs }
  }

  /** What the transport may use of this lane; see src/delivery/transports/transport.ts. */
  #ops (): LaneOps {
    return {
      portalId: this.portalId,
      log: this.log,
      now: this.now,
      call: async (items, fn, method) => await this.#call(items, fn, method),
      token: async () => await this.#take().then(() => true, () => false),
      penalize: () => this.bucket.penalize(),
      batchSent: (commands) => this.metrics?.batchSize.observe({ portal: this.portalId }, commands),
      delivered: async (c, leadId, recovered, dealId) => await this.#delivered(c, leadId, recovered, dealId),
      settle: async (c, d) => await this.#settle(c, d),
      decideFor: (c, err) => decideForError(err, { attempts: c.attempts, createdAt: c.createdAt, now: this.now(), ...this.#limits() })
    }
  }

  async #delivered (c: ClaimedSubmission, leadId: number, recovered: boolean, dealId?: number): Promise<void> {
    const ok = await this.outbox.complete(c.id, c.leaseToken, { leadId, ...(dealId !== undefined ? { dealId } : {}) })
    this.#status.delivered++
    this.metrics?.deliveries.inc({ portal: this.portalId, outcome: recovered ? 'recovered' : 'delivered' })
    this.log.info({
      submissionId: c.id,
      leadId,
      ...(dealId !== undefined ? { dealId } : {}),
      attempt: c.attempts,
      recovered,
      leaseHeld: ok
    }, 'lead delivered')
  }

  async #settle (c: ClaimedSubmission, d: Decision): Promise<void> {
    if (d.action === 'release') {
      await this.outbox.release(c.id, c.leaseToken)
    } else if (d.action === 'retry') {
      await this.outbox.retryLater(c.id, c.leaseToken, { at: d.at, error: d.error, outcomeUnknown: d.outcomeUnknown })
      this.metrics?.retries.inc({ portal: this.portalId, class: errorClass(d.error.code) })
      this.log.info({ submissionId: c.id, attempt: c.attempts, code: d.error.code, retryAt: d.at }, 'delivery retry scheduled')
    } else {
      await this.outbox.deadLetter(c.id, c.leaseToken, d.error)
      this.#status.failed++
      this.log.error({ submissionId: c.id, code: d.error.code, reason: d.error.message }, 'submission dead-lettered')
    }
    this.metrics?.deliveries.inc({ portal: this.portalId, outcome: d.action === 'release' ? 'released' : d.action })
    if ('portal' in d && d.portal !== undefined) this.#applyEffect(d.portal, 'error' in d ? d.error : null)
  }

  #applyEffect (effect: PortalEffect, error: { code: string, message: string } | null): void {
    if (effect.state === 'paused_auth') {
      if (this.#status.state !== 'paused_auth') {
        this.log.error('PORTAL PAUSED: the webhook was refused (revoked, expired or missing the crm scope); ' +
          'submissions stay queued until it works again')
      }
      this.#setState('paused_auth', error ?? { code: 'RELAY_ERR_B24_AUTH', message: 'the portal refused the webhook' })
      this.#pausedUntil = this.now() + this.settings.authProbeMs
    } else if (effect.state === 'paused_not_found') {
      if (this.#status.state !== 'paused_not_found') {
        this.log.error({ probeMs: this.settings.authProbeMs },
          `PORTAL PAUSED: ${NOT_FOUND_MESSAGE}; submissions stay queued until it answers again`)
      }
      this.#setState('paused_not_found', error ?? { code: 'RELAY_ERR_B24_METHOD_NOT_FOUND', message: NOT_FOUND_MESSAGE })
      this.#pausedUntil = this.now() + this.settings.authProbeMs
    } else if (effect.state === 'rate_limited') {
      this.#setState('rate_limited', error)
      this.#pausedUntil = Math.max(this.#pausedUntil, effect.until)
    } else {
      this.#setState('unreachable', error)
    }
  }

  /** One cheap call to see whether a paused portal accepts the webhook again. */
  async #probe (): Promise<boolean> {
    try {
      await this.#take()
      await this.transport.probe()
      this.log.warn({ was: this.#status.state }, 'portal answers the webhook again; delivery resumes')
      this.#setState('ok', null)
      return true
    } catch (err) {
      this.#pausedUntil = this.now() + this.settings.authProbeMs
      if (err instanceof BitrixError && err.kind === 'method_not_found') {
        this.#setState('paused_not_found', { code: err.code, message: NOT_FOUND_MESSAGE })
      } else if (err instanceof BitrixError && err.kind !== 'auth') {
        this.#setState('unreachable', { code: err.code, message: err.message })
      } else if (err instanceof BitrixError) {
        this.#setState('paused_auth', { code: err.code, message: err.message })
      }
      return false
    }
  }

  #setState (state: PortalState, lastError: { code: string, message: string } | null): void {
    if (this.#status.state !== state) this.#status.since = this.now()
    this.#status.state = state
    // Back to ok: the error that caused the trouble is history (the submissions keep theirs).
    if (state === 'ok') this.#status.lastError = null
    else if (lastError !== null) this.#status.lastError = lastError
  }

  async #idle (ms: number): Promise<void> {
    if (this.#stopping) return
    await new Promise<void>(resolve => {
      const timer = setTimeout(done, Math.max(1, ms))
      function done (): void { clearTimeout(timer); resolve() }
      this.#wake = done
    })
    this.#wake = undefined
  }
}
