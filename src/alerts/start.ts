/**
 * Wires the alerts from the config: notifiers per configured channel, the monitor on the process's
 * outbox and lanes. Without an `alerts:` section with at least one channel nothing runs.
 */
import { statfs } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Logger } from 'pino'
import type { RelayConfig } from '../config/schema.ts'
import type { LaneStatus } from '../delivery/lane/portal-lane.ts'
import type { Outbox } from '../outbox/types.ts'
import { ALERT_CHECKS } from './checks.ts'
import type { AlertsConfig } from './config-schema.ts'
import { AlertMonitor, type MonitorSettings } from './monitor.ts'
import { emailNotifier } from './notifiers/email.ts'
import { telegramNotifier } from './notifiers/telegram.ts'
import { webhookNotifier } from './notifiers/webhook.ts'
import { sqlitePathOf } from '../outbox/store-url.ts'
import type { AlertSnapshot, Notifier } from './types.ts'

export interface AlertsDeps {
  config: () => RelayConfig
  outbox: Outbox
  logger: Logger
  /** The lanes of the worker in this process. */
  deliveryStatus: () => LaneStatus[]
  now?: () => number
  /** Names this relay in every notice; default "b24-form-relay". */
  source?: string
}

export interface Alerts {
  /** Rebuilds the notifiers from the current config (SIGHUP). */
  reload: () => void
  /** Runs one round now (tests). */
  check: () => Promise<void>
  stop: () => Promise<void>
}

export function buildNotifiers (alerts: AlertsConfig, source: string): Notifier[] {
  const out: Notifier[] = []
  if (alerts.webhook !== undefined) {
    out.push(typeof alerts.webhook === 'string'
      ? webhookNotifier({ url: alerts.webhook, source })
      : webhookNotifier({ url: alerts.webhook.url, headers: alerts.webhook.headers, source }))
  }
  if (alerts.telegram !== undefined) out.push(telegramNotifier({ ...alerts.telegram, source }))
  if (alerts.email !== undefined) out.push(emailNotifier({ ...alerts.email, source }))
  return out
}

/** The SQLite file's folder, whose disk the disk check watches; undefined for Redis and in-memory stores. */
export function storeDirectory (outboxUrl: string): string | undefined {
  const path = sqlitePathOf(outboxUrl)
  return path === undefined || path === ':memory:' ? undefined : dirname(resolve(path))
}

async function freeBytes (dir: string | undefined): Promise<number | undefined> {
  if (dir === undefined) return undefined
  try {
    const s = await statfs(dir)
    return s.bavail * s.bsize
  } catch {
    return undefined
  }
}

export function startAlerts (deps: AlertsDeps): Alerts {
  const now = deps.now ?? Date.now
  const source = deps.source ?? 'b24-form-relay'
  let notifiers: Notifier[] = []
  const rebuild = (): void => {
    // The old channels are let go in the background: a reload neither waits for them nor fails on one.
    for (const n of notifiers) {
      Promise.resolve(n.close?.()).catch((err: unknown) => {
        deps.logger.warn({ err, channel: n.channel }, 'closing an alert channel failed')
      })
    }
    const alerts = deps.config().alerts
    notifiers = alerts === undefined ? [] : buildNotifiers(alerts, source)
  }
  rebuild()
  const settings = (): MonitorSettings | undefined => {
    const a = deps.config().alerts
    return a === undefined || notifiers.length === 0 ? undefined : a
  }
  const monitor = new AlertMonitor({
    checks: ALERT_CHECKS,
    settings,
    notifiers: () => notifiers,
    logger: deps.logger,
    now,
    snapshot: async (): Promise<AlertSnapshot> => {
      const at = now()
      const [stats, free] = await Promise.all([deps.outbox.stats(), freeBytes(storeDirectory(deps.config().outbox.url))])
      return { now: at, stats, lanes: deps.deliveryStatus(), ...(free !== undefined ? { freeDiskBytes: free } : {}) }
    }
  })
  monitor.start()
  return {
    reload: rebuild,
    check: () => monitor.check(),
    stop: async () => {
      await monitor.stop()
      for (const n of notifiers) await n.close?.()
    }
  }
}
