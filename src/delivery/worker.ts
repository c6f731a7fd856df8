/**
 * The delivery worker: one lane per configured portal, each with its own transport (REST webhook
 * or legacy importer, src/delivery/transports/) and leaky bucket. Runs inside the relay by default,
 * or alone (`npm run worker`) on the same store.
 */
import type { Logger } from 'pino'
import { own } from '../config/own.ts'
import type { BitrixClient } from '../bitrix/client.ts'
import { clientForPortal, importerForPortal } from '../bitrix/portal-client.ts'
import type { PortalConfig, RelayConfig } from '../config/schema.ts'
import { memoryCounters, type Counters } from '../outbox/counters.ts'
import type { Outbox } from '../outbox/types.ts'
import { FileGate } from './file-gate.ts'
import { LinkDownloads } from './link-downloads.ts'
import type { LinkFetchDeps } from './link-fetch.ts'
import { Housekeeping } from './housekeeping.ts'
import { LeakyBucket } from './lane/leaky-bucket.ts'
import { ListFieldCache } from './list-fields.ts'
import type { PortalLimiter } from './lane/portal-limiter.ts'
import type { LaneMetrics } from '../observability/metrics.ts'
import { PortalLane, type LaneSettings, type LaneStatus } from './lane/portal-lane.ts'
import { createLegacyImporterTransport } from './transports/legacy-importer.ts'
import { createRestTransport } from './transports/rest.ts'
import type { DeliveryTransport } from './transports/transport.ts'

export interface WorkerDeps {
  outbox: Outbox
  config: () => RelayConfig
  logger: Logger
  now?: () => number
  /** Tests and the emulator-backed demo may build REST clients differently (e.g. a shorter timeout). */
  clientFor?: (portalId: string, portal: PortalConfig) => BitrixClient
  idleMs?: number
  /**
   * The rate limiter of a portal's lane. Default: an in-process leaky bucket per lane. Several
   * relays on one portal pass limiters that share the bucket (Redis mode: src/process/shared-limiters.ts).
   */
  limiterFor?: (portalId: string, portal: PortalConfig) => PortalLimiter
  /** Delivery outcomes, retries, call latency and batch sizes (src/observability/metrics.ts). */
  metrics?: LaneMetrics
  /** Store upkeep interval (retention purge, release of held submissions); default 5 s. */
  housekeepingMs?: number
  /**
   * Turns of ASSIGNED_BY_ID rotations. Pass openCounters(outbox URL) so they survive restarts and
   * are shared by every instance; the default keeps them in this process only.
   */
  counters?: Counters
  /** How file links are resolved and which addresses count as public (tests play DNS rebinding with it). */
  linkFetch?: LinkFetchDeps
}

export class DeliveryWorker {
  readonly #lanes = new Map<string, { lane: PortalLane, done: Promise<void>, limits: string }>()
  /** Lanes of portals a reload removed, still settling their last calls; stop() waits for them. */
  readonly #leaving = new Set<Promise<void>>()
  readonly #log: Logger
  readonly #now: () => number
  readonly #counters: Counters
  /** Per portal, kept across config reloads: the portal's list fields do not change with our config. */
  readonly #lists = new Map<string, ListFieldCache>()
  /** Per portal, kept across reloads: claims waiting for their file links. */
  readonly #gates = new Map<string, FileGate>()
  #downloads: LinkDownloads | undefined
  readonly #housekeeping: Housekeeping
  #started = false

  constructor (private readonly deps: WorkerDeps) {
    this.#log = deps.logger.child({ component: 'delivery-worker' })
    this.#now = deps.now ?? Date.now
    this.#counters = deps.counters ?? memoryCounters()
    this.#housekeeping = new Housekeeping({
      outbox: deps.outbox,
      config: deps.config,
      logger: deps.logger,
      now: this.#now,
      onReleased: () => this.wake(),
      ...(deps.housekeepingMs !== undefined ? { tickMs: deps.housekeepingMs } : {})
    })
  }

  start (): void {
    if (this.#started) return
    this.#started = true
    this.#sync()
    this.#housekeeping.start()
  }

  /** Submissions were just stored: wake the lanes instead of waiting for their next poll. */
  wake (portalId?: string): void {
    if (portalId !== undefined) this.#lanes.get(portalId)?.lane.wake()
    else for (const { lane } of this.#lanes.values()) lane.wake()
  }

  /**
   * Applies a reloaded config: new portals get lanes; changed ones get their new transport, settings
   * and (when `rateLimit` or the transport changed) a new limiter, and a paused one is probed at once;
   * removed ones are stopped, their claims given back to the outbox, where their submissions wait.
   */
  reload (): void {
    if (this.#started) this.#sync()
  }

  status (): LaneStatus[] {
    return [...this.#lanes.values()].map(l => l.lane.status())
  }

  /** Stops claiming, lets in-flight calls settle (or gives their leases back), then resolves. */
  async stop (): Promise<void> {
    await this.#housekeeping.stop()
    for (const { lane } of this.#lanes.values()) lane.stop()
    await Promise.all([...this.#lanes.values()].map(l => l.done))
    await Promise.all([...this.#leaving])
    this.#lanes.clear()
    this.#downloads?.close()
    this.#downloads = undefined
    this.#gates.clear()
    this.#started = false
  }

  #sync (): void {
    const config = this.deps.config()
    for (const [portalId, portal] of Object.entries(config.portals)) {
      const settings = this.#settings(config)
      const limits = JSON.stringify([portal.transport, portal.rateLimit])
      const existing = this.#lanes.get(portalId)
      if (existing !== undefined) {
        const limiter = existing.limits === limits ? undefined : this.#limiter(portalId, portal)
        existing.limits = limits
        existing.lane.reconfigure(this.#transport(portalId, portal, config), settings, limiter)
        continue
      }
      const lane = new PortalLane(portalId, this.deps.outbox, this.#transport(portalId, portal, config), this.#limiter(portalId, portal),
        settings, this.#log.child({ portalId }), this.#now, this.deps.metrics)
      const done = lane.run()
      this.#lanes.set(portalId, { lane, done, limits })
    }
    for (const [portalId, { lane, done }] of this.#lanes) {
      if (Object.hasOwn(config.portals, portalId)) continue
      // Gone from the config: the lane gives its claims back; its submissions stay queued for this id.
      this.#lanes.delete(portalId)
      lane.stop()
      const leaving = done.finally(() => {
        this.#leaving.delete(leaving)
        // The gate was drained by the lane; a portal added back under this id starts afresh.
        if (!this.#lanes.has(portalId)) { this.#gates.delete(portalId); this.#lists.delete(portalId) }
      })
      this.#leaving.add(leaving)
      this.#log.warn({ portalId }, 'portal removed from the config: its lane is stopped, its submissions stay queued')
    }
  }

  #limiter (portalId: string, portal: PortalConfig): PortalLimiter {
    // The legacy importer is a page, not REST: the portal's shared REST bucket does not count it.
    return (portal.transport === 'legacy' ? undefined : this.deps.limiterFor?.(portalId, portal)) ??
      new LeakyBucket({
        burst: portal.rateLimit.burst,
        drainPerSecond: portal.rateLimit.drainPerSecond,
        headroom: portal.rateLimit.headroom
      })
  }

  #transport (portalId: string, portal: PortalConfig, config: RelayConfig): DeliveryTransport {
    if (portal.transport === 'legacy') {
      return createLegacyImporterTransport({ importer: importerForPortal(portal), counters: this.#counters })
    }
    const client = this.deps.clientFor?.(portalId, portal) ?? clientForPortal(portal, {
      onMoved: (newBase: string) => this.#log.warn({ portalId, newBase }, 'portal moved: update its webhook URL in the config')
    })
    const d = config.delivery
    const mode = portal.crmMode
    return createRestTransport({
      client,
      originatorId: d.originatorId,
      registerSonetEvent: portal.registerSonetEvent,
      outbox: this.deps.outbox,
      counters: this.#counters,
      lists: this.#listsOf(portalId, portal),
      gate: this.#gateOf(portalId, config),
      leaseMs: d.leaseMs,
      // Simple mode turns every lead into a deal; in auto mode only submissions with extras look for one.
      findConvertedDeal: r => mode === 'simple' || (mode !== 'classic' && r.hasExtras),
      form: (formId) => {
        const form = own(this.deps.config().forms, formId)
        const files = form?.files
        return {
          name: form?.name ?? formId,
          language: form?.language ?? 'ru',
          ...(files !== undefined
            ? {
                links: {
                  download: files.download,
                  allowPrivateAddresses: files.allowPrivateAddresses,
                  ...(files.allowHosts !== undefined ? { allowHosts: files.allowHosts } : {})
                }
              }
            : {})
        }
      }
    })
  }

  #settings (config: RelayConfig): LaneSettings {
    const d = config.delivery
    return {
      batchSize: d.batchSize,
      leaseMs: d.leaseMs,
      maxAttempts: d.maxAttempts,
      maxAgeMs: d.maxAgeMs,
      retryBaseMs: d.retryBaseMs,
      retryMaxMs: d.retryMaxMs,
      authProbeMs: d.authProbeMs,
      idleMs: this.deps.idleMs ?? 250
    }
  }

  #gateOf (portalId: string, config: RelayConfig): FileGate {
    // One pool for the process: its size is read at start (a reload does not resize it).
    const d = config.delivery
    this.#downloads ??= new LinkDownloads({
      concurrency: d.fileDownloads,
      maxWaiting: d.fileDownloadQueue,
      now: this.#now,
      ...this.deps.linkFetch
    })
    let gate = this.#gates.get(portalId)
    if (gate === undefined) {
      gate = new FileGate(this.#downloads, () => this.wake(portalId))
      this.#gates.set(portalId, gate)
    }
    return gate
  }

  #listsOf (portalId: string, portal: PortalConfig): ListFieldCache {
    let cache = this.#lists.get(portalId)
    if (cache === undefined) {
      cache = new ListFieldCache(portal.listRefreshMs, this.#now)
      this.#lists.set(portalId, cache)
    }
    return cache
  }
}
