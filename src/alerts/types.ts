/**
 * The alerts port: a problem found by a check, the notice sent about it, and the Notifier that
 * carries a notice to one channel (adapters in ./notifiers/). Notices hold facts an operator can act
 * on (portal ids, error codes, counts, ages), never secrets or a visitor's contact data.
 */
import type { LaneStatus } from '../delivery/lane/portal-lane.ts'
import type { OutboxStats } from '../outbox/types.ts'

/** What the checks look at, read once per round. */
export interface AlertSnapshot {
  now: number
  stats: OutboxStats
  lanes: LaneStatus[]
  /** Free bytes on the store's disk; undefined when unknown (Redis, or statfs failed). */
  freeDiskBytes?: number
}

export interface AlertThresholds {
  queueAgeMs: number
  minFreeDiskBytes: number
}

/** One ongoing problem. `key` is stable while the problem lasts (e.g. `portal-paused:main`). */
export interface Problem {
  key: string
  summary: string
}

/** A named condition; add a condition by adding one of these to the list in ./checks.ts. */
export interface AlertCheck {
  id: string
  find: (snapshot: AlertSnapshot, thresholds: AlertThresholds) => Problem[]
}

export interface Notice {
  status: 'problem' | 'cleared'
  check: string
  key: string
  /** One line, plain text. */
  text: string
  at: number
}

export interface Notifier {
  /** For logs: webhook, telegram, email. */
  readonly channel: string
  send: (notice: Notice, signal: AbortSignal) => Promise<void>
  close?: () => Promise<void> | void
}
