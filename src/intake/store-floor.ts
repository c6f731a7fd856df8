/**
 * The store's floor: new submissions are refused (503 RELAY_ERR_STORE_FULL) while the store is at
 * `limits.storeBytes` or its disk has less than `limits.minFreeDiskBytes` free, so the relay stops
 * taking work *before* SQLite meets a full disk, and what it already holds stays intact and keeps
 * being delivered (deliveries and purges only shrink it). From 80 % of the size, or under twice
 * the free-space floor, it warns: a log line on each change, the metrics and the status page.
 */
import { statfs as statfsAsync } from 'node:fs/promises'
import type { RelayConfig } from '../config/schema.ts'
import { StoreFullError } from '../errors.ts'
import type { Outbox } from '../outbox/types.ts'

export type SpaceState = 'ok' | 'low' | 'full' | 'unknown'

export interface SpaceReport {
  state: SpaceState
  storeBytes: number | null
  storeLimitBytes: number
  /** Free bytes on the store's disk; null when the store is not a local file (Redis) or could not be read. */
  freeDiskBytes: number | null
  minFreeDiskBytes: number
  /** Why it is low or full, for logs and the status page. */
  reason: string | null
  measuredAt: number
}

type LogFn = (obj: object, msg: string) => void

export interface StoreFloorDeps {
  outbox: Outbox
  config: () => RelayConfig
  now: () => number
  log?: { warn: LogFn, info: LogFn, error: LogFn }
  /** Free bytes of the file system holding `dir`; default fs.statfs. */
  freeBytes?: (dir: string) => Promise<number>
  /** A measurement is reused this long, by the wall clock (statfs and a stat per request would be wasted work). */
  measureEveryMs?: number
  /**
   * ...and for at most this many checks, so how far the store can pass its cap between two
   * measurements is bounded by a count of submissions, not by how fast they arrive.
   */
  measureEveryChecks?: number
}

export interface StoreFloor {
  /** Rejects with StoreFullError when the floor is reached. */
  check: () => Promise<void>
  /** The latest measurement, taken now if it is older than the reuse interval (or `fresh`). */
  report: (fresh?: boolean) => Promise<SpaceReport>
}

/** From this share of `storeBytes` (or under this multiple of the free-disk floor) the relay warns. */
export const WARN_SHARE = 0.8
export const WARN_FREE_FACTOR = 2

const defaultFreeBytes = async (dir: string): Promise<number> => {
  const s = await statfsAsync(dir)
  return s.bavail * s.bsize
}

/** Pure: the state for these figures. */
export function spaceState (
  storeBytes: number | null, freeDiskBytes: number | null, limits: RelayConfig['limits']
): { state: SpaceState, reason: string | null } {
  if (storeBytes === null) return { state: 'unknown', reason: 'the store size could not be read' }
  if (storeBytes >= limits.storeBytes) {
    return { state: 'full', reason: `the store holds ${storeBytes} bytes of ${limits.storeBytes} allowed (limits.storeBytes)` }
  }
  if (freeDiskBytes !== null && freeDiskBytes < limits.minFreeDiskBytes) {
    const reason = `${freeDiskBytes} bytes free on the store's disk, under limits.minFreeDiskBytes (${limits.minFreeDiskBytes})`
    return { state: 'full', reason }
  }
  if (storeBytes >= limits.storeBytes * WARN_SHARE) {
    return { state: 'low', reason: `the store holds ${storeBytes} bytes, over 80 % of limits.storeBytes (${limits.storeBytes})` }
  }
  if (freeDiskBytes !== null && freeDiskBytes < limits.minFreeDiskBytes * WARN_FREE_FACTOR) {
    return { state: 'low', reason: `${freeDiskBytes} bytes free on the store's disk, under twice limits.minFreeDiskBytes` }
  }
  return { state: 'ok', reason: null }
}

export function createStoreFloor (deps: StoreFloorDeps): StoreFloor {
  const every = deps.measureEveryMs ?? 250
  const everyChecks = deps.measureEveryChecks ?? 32
  let checksSince = 0
  const freeBytes = deps.freeBytes ?? defaultFreeBytes
  let last: SpaceReport | undefined
  let lastAt = 0
  let inFlight: Promise<SpaceReport> | undefined
  let lastState: SpaceState = 'ok'

  const measure = async (): Promise<SpaceReport> => {
    const limits = deps.config().limits
    let storeBytes: number | null = null
    let freeDiskBytes: number | null = null
    try {
      const usage = await deps.outbox.usage()
      storeBytes = usage.bytes
      if (usage.dir !== null) freeDiskBytes = await freeBytes(usage.dir)
    } catch (err) {
      // A measurement that fails must not refuse leads; the store's own errors answer for themselves.
      deps.log?.error({ err: { message: (err as Error).message } }, 'store space could not be measured')
    }
    const { state, reason } = spaceState(storeBytes, freeDiskBytes, limits)
    const report: SpaceReport = {
      state,
      reason,
      storeBytes,
      freeDiskBytes,
      storeLimitBytes: limits.storeBytes,
      minFreeDiskBytes: limits.minFreeDiskBytes,
      measuredAt: deps.now()
    }
    if (state !== lastState && state !== 'unknown') {
      const figures = { storeBytes, freeDiskBytes }
      const why = reason ?? ''
      if (state === 'full') {
        deps.log?.error({ code: 'RELAY_ERR_STORE_FULL', ...figures }, `store full, new submissions are refused: ${why}`)
      } else if (state === 'low') {
        deps.log?.warn(figures, `store running out of room: ${why}`)
      } else {
        deps.log?.info(figures, 'store has room again')
      }
      lastState = state
    }
    return report
  }

  const report = async (fresh = false): Promise<SpaceReport> => {
    if (!fresh && last !== undefined && Math.abs(Date.now() - lastAt) < every) return last
    inFlight ??= measure().then(r => { last = r; lastAt = Date.now(); checksSince = 0; return r }).finally(() => { inFlight = undefined })
    return await inFlight
  }

  return {
    check: async () => {
      checksSince++
      if ((await report(checksSince > everyChecks)).state === 'full') throw new StoreFullError()
    },
    report
  }
}
