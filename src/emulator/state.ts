/** Everything the emulated portal remembers: leads, counters, webhook status, scopes and the fault plan. */
import { CrmStore } from './crm-store.ts'
import { FaultPlan } from './fault-plan.ts'
import { LeakyBucket } from './leaky-bucket.ts'
import { OperatingMeter } from './operating-meter.ts'
import { resolveQuirks } from './quirks.ts'
import type { EmulatorOptions, EmulatorStats, Quirks, StatusSpec, StoredLead, UserFieldSpec } from './types.ts'

export interface PortalSettings {
  userId: number
  secret: string
  rateLimit: boolean
  currency: string
  userFields: UserFieldSpec[]
  statuses: Record<string, StatusSpec[]>
  quirks: Quirks
  legacy: { login: string, password: string }
}

export class PortalState {
  readonly settings: PortalSettings
  readonly bucket: LeakyBucket
  readonly faults: FaultPlan
  readonly operating = new OperatingMeter()
  /** Contacts, companies, deals, timeline comments, product rows and files. */
  readonly crm = new CrmStore()
  /** crm.settings.mode.get: 1 classic, 2 simple (leads are converted into deals at once). */
  crmMode: 1 | 2
  private readonly leadsById = new Map<number, StoredLead>()
  private lastLeadId = 0
  private lastMultiId = 0
  revoked = false
  scopes: Set<string>
  /** Methods blocked by the operating-time limit: lower-case name → until (unix ms). */
  readonly blocked = new Map<string, number>()
  private counters = PortalState.emptyStats()

  constructor (opts: EmulatorOptions = {}) {
    this.settings = {
      userId: opts.userId ?? 1,
      secret: opts.secret ?? 'emulatorsecret',
      rateLimit: opts.rateLimit ?? true,
      currency: opts.currency ?? 'USD',
      userFields: opts.userFields ?? [],
      statuses: opts.statuses ?? {},
      quirks: resolveQuirks(opts.quirks),
      legacy: opts.legacy ?? { login: 'relay@example.com', password: 'emulatorpassword' }
    }
    this.crmMode = opts.crmMode ?? 1
    this.bucket = new LeakyBucket(opts.burst ?? 50, opts.drainPerSecond ?? 2)
    this.faults = new FaultPlan(opts.faults)
    this.scopes = new Set(opts.scopes ?? ['crm'])
  }

  private static emptyStats (): EmulatorStats {
    return { requests: 0, queryLimitExceeded: 0, byMethod: {}, faultsInjected: {} }
  }

  /** When a blocked method is unblocked (unix ms), or undefined when it runs. */
  blockedUntil (method: string, nowMs = Date.now()): number | undefined {
    const until = this.blocked.get(method.toLowerCase())
    return until !== undefined && nowMs < until ? until : undefined
  }

  nextLeadId (): number {
    return ++this.lastLeadId
  }

  nextMultiValueId (): number {
    return ++this.lastMultiId
  }

  saveLead (lead: StoredLead): void {
    this.leadsById.set(lead.ID, lead)
  }

  lead (id: number): StoredLead | undefined {
    return this.leadsById.get(id)
  }

  /** Leads in id order (ids only grow, and the map keeps insertion order). */
  leads (): StoredLead[] {
    return [...this.leadsById.values()]
  }

  countRequest (): void {
    this.counters.requests++
  }

  countQueryLimit (): void {
    this.counters.queryLimitExceeded++
  }

  countMethod (method: string): void {
    this.counters.byMethod[method] = (this.counters.byMethod[method] ?? 0) + 1
  }

  countFault (kind: string): void {
    this.counters.faultsInjected[kind] = (this.counters.faultsInjected[kind] ?? 0) + 1
  }

  stats (): EmulatorStats {
    return structuredClone(this.counters)
  }

  /** Forget leads, CRM records, ids and counters; the fault plan, scopes, mode and webhook status stay. */
  reset (): void {
    this.leadsById.clear()
    this.crm.clear()
    this.lastLeadId = 0
    this.lastMultiId = 0
    this.counters = PortalState.emptyStats()
    this.bucket.clear()
    this.operating.clear()
  }
}
