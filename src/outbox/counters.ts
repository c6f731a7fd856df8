/**
 * The Counters port: small shared counters in the store, for round-robin rotation (ASSIGNED_BY_ID
 * lists). A turn taken is never handed out twice, across restarts and across every relay process
 * on the same store. Adapters: ./counters-sqlite.ts (a table in the outbox file), ./redis-counters.ts;
 * ./open-counters.ts picks one by the outbox's URL.
 */
import { StoreError } from './errors.ts'

export interface Counters {
  /**
   * Takes the next turn of `key` and returns it as 0..modulo-1: 0, 1, …, modulo-1, 0, … for a fixed
   * modulo. Atomic: concurrent callers (in any process on the store) get different turns.
   * Rejects with a StoreError when the store fails.
   */
  next: (key: string, modulo: number) => Promise<number>
  /** Releases what the adapter opened itself; safe to call twice. */
  close: () => Promise<void>
}

export function checkModulo (modulo: number): void {
  if (!Number.isSafeInteger(modulo) || modulo < 1) throw new StoreError('RELAY_ERR_STORE_INPUT', 'modulo must be an integer >= 1')
}

/** Turns a 1-based running count into a turn. */
export function turnOf (count: number, modulo: number): number {
  return (count - 1) % modulo
}

/** Counters for one process only (tests, a store that cannot hold them): rotation restarts with the process. */
export function memoryCounters (): Counters {
  const counts = new Map<string, number>()
  return {
    next: async (key, modulo) => {
      checkModulo(modulo)
      const n = (counts.get(key) ?? 0) + 1
      counts.set(key, n)
      return turnOf(n, modulo)
    },
    close: async () => {}
  }
}
