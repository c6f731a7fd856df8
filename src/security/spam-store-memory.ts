/**
 * The spam store in this process's memory: buildApp's default when the composition root passes
 * none (tests, tools), so the app builds on the port and never opens a file store itself. Same
 * behaviour as ./spam-store-sqlite.ts (newest first, per form, paging, prune, counts, erase); gone
 * with the process.
 */
import type { SubmittedValues } from '../intake/submitted-values.ts'
import type { SpamListOptions, SpamReason, SpamRecord, SpamStore } from './spam-store.ts'

/** A stored copy: a caller's later changes to its record must not change what was held. */
function copy (r: SpamRecord): SpamRecord {
  const values = Object.assign(Object.create(null) as SubmittedValues, JSON.parse(JSON.stringify(r.values)) as SubmittedValues)
  // Optional facts left undefined are absent, as when read back from a file.
  const facts = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined)) as unknown as SpamRecord
  return { ...facts, values }
}

/** Newest first; records received in the same millisecond by id, highest first (as the SQLite store orders them). */
const newestFirst = (a: SpamRecord, b: SpamRecord): number =>
  b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)

export function memorySpamStore (): SpamStore {
  const records = new Map<string, SpamRecord>()
  return {
    add: async (r) => {
      // The first record of an id stays, like the SQLite store's INSERT OR IGNORE.
      if (!records.has(r.id)) records.set(r.id, copy(r))
    },
    get: async (id) => {
      const r = records.get(id)
      return r === undefined ? undefined : copy(r)
    },
    list: async (opts: SpamListOptions = {}) => {
      const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? 50)), 500)
      const before = opts.before ?? Number.MAX_SAFE_INTEGER
      return [...records.values()]
        .filter(r => (opts.formId === undefined || r.formId === opts.formId) && r.receivedAt < before)
        .sort(newestFirst).slice(0, limit).map(copy)
    },
    counts: async () => {
      const out: Partial<Record<SpamReason, number>> = {}
      for (const r of records.values()) out[r.reason] = (out[r.reason] ?? 0) + 1
      return out
    },
    prune: async (olderThan) => {
      let removed = 0
      for (const [id, r] of records) if (r.receivedAt < olderThan && records.delete(id)) removed++
      return removed
    },
    erase: async (matches) => {
      let removed = 0
      for (const [id, r] of records) if (matches(copy(r).values) && records.delete(id)) removed++
      return removed
    },
    close: async () => { records.clear() }
  }
}
