/**
 * The alert monitor: every `checkIntervalMs` it reads a snapshot, runs the checks and tells each
 * notifier about problems that appeared and problems that cleared. One notice per problem (a
 * problem that lasts is not repeated), the same problem again no sooner than `repeatAfterMs`, and no
 * more than `maxPerHour` notices in all; a held-back problem is announced at a later round. Sending
 * runs on the monitor's own timer and a failure is only logged: delivery never waits for an alert.
 */
import type { Logger } from 'pino'
import type { AlertCheck, AlertSnapshot, AlertThresholds, Notice, Notifier } from './types.ts'

export interface MonitorSettings extends AlertThresholds {
  checkIntervalMs: number
  repeatAfterMs: number
  maxPerHour: number
  timeoutMs: number
}

export interface MonitorDeps {
  checks: readonly AlertCheck[]
  /** Read at every round, so a reload applies at the next one; undefined: alerts are off. */
  settings: () => MonitorSettings | undefined
  notifiers: () => readonly Notifier[]
  snapshot: () => Promise<AlertSnapshot>
  logger: Logger
  now?: () => number
}

interface Active { check: string, summary: string, notified: boolean }

const HOUR = 3_600_000

export class AlertMonitor {
  readonly #active = new Map<string, Active>()
  readonly #lastProblemAt = new Map<string, number>()
  #sentAt: number[] = []
  #timer: NodeJS.Timeout | undefined
  #round: Promise<void> | undefined
  #stopped = true
  readonly #now: () => number
  readonly #log: Logger

  constructor (private readonly deps: MonitorDeps) {
    this.#now = deps.now ?? Date.now
    this.#log = deps.logger.child({ component: 'alerts' })
  }

  start (): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedule()
  }

  /** Problems being watched now, for tests and logs. */
  active (): string[] {
    return [...this.#active.keys()]
  }

  /** One round: snapshot, checks, notices. Resolves once every notifier has answered or timed out. */
  async check (): Promise<void> {
    const settings = this.deps.settings()
    if (settings === undefined) return
    let snapshot: AlertSnapshot
    try {
      snapshot = await this.deps.snapshot()
    } catch (err) {
      const code = (err as { code?: unknown }).code
      this.#log.warn({ code }, `alert checks skipped: the store did not answer: ${(err as Error).message}`)
      return
    }
    const found = new Map<string, { check: string, summary: string }>()
    for (const check of this.deps.checks) {
      try {
        for (const p of check.find(snapshot, settings)) found.set(p.key, { check: check.id, summary: p.summary })
      } catch (err) {
        this.#log.error({ check: check.id }, `alert check failed: ${(err as Error).message}`)
      }
    }
    const notices: Notice[] = []
    const now = this.#now()
    for (const [key, a] of this.#active) {
      if (found.has(key)) continue
      this.#active.delete(key)
      // A problem nobody was told about clears silently.
      if (a.notified) notices.push({ status: 'cleared', check: a.check, key, text: `Cleared: ${a.summary}`, at: now })
    }
    this.#sentAt = this.#sentAt.filter(t => now - t < HOUR)
    for (const [key, f] of found) {
      let a = this.#active.get(key)
      if (a === undefined) {
        a = { ...f, notified: false }
        this.#active.set(key, a)
      }
      a.summary = f.summary
      if (a.notified) continue
      const last = this.#lastProblemAt.get(key)
      if (last !== undefined && now - last < settings.repeatAfterMs) continue
      if (this.#sentAt.length + notices.length >= settings.maxPerHour) {
        this.#log.warn({ key, maxPerHour: settings.maxPerHour }, 'alert held back: too many notices this hour')
        continue
      }
      a.notified = true
      this.#lastProblemAt.set(key, now)
      notices.push({ status: 'problem', check: f.check, key, text: f.summary, at: now })
    }
    for (const n of notices) this.#sentAt.push(n.at)
    await Promise.all(notices.map(n => this.#send(n, settings.timeoutMs)))
  }

  async stop (): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#round
  }

  async #send (notice: Notice, timeoutMs: number): Promise<void> {
    this.#log.info({ key: notice.key, status: notice.status }, notice.status === 'problem' ? 'alert' : 'alert cleared')
    await Promise.all(this.deps.notifiers().map(async notifier => {
      try {
        await notifier.send(notice, AbortSignal.timeout(timeoutMs))
      } catch (err) {
        this.#log.warn({ channel: notifier.channel, key: notice.key }, `alert notice not sent: ${(err as Error).message}`)
      }
    }))
  }

  #schedule (): void {
    if (this.#stopped) return
    const interval = this.deps.settings()?.checkIntervalMs ?? 30_000
    this.#timer = setTimeout(() => {
      this.#round = this.check().finally(() => { this.#round = undefined; this.#schedule() })
    }, interval)
    this.#timer.unref()
  }
}
