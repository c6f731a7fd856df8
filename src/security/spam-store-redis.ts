/**
 * The spam store on Redis: in Redis mode every relay instance keeps spam in the same place, so
 * review, erase and the counts see all of it (a local file per instance would split it). Keys sit
 * under the outbox's prefix: a hash of records, a time index, one per form, counts by reason.
 * Nothing here is promised to anyone, so plain commands (no fsync wait) are enough.
 */
import type { Redis } from 'ioredis'
import type { SubmittedValues } from '../intake/submitted-values.ts'
import type { SpamListOptions, SpamReason, SpamRecord, SpamStore } from './spam-store.ts'

const PAGE = 500

export function openRedisSpamStore (opts: { redis: Redis, keyPrefix: string }): SpamStore {
  const { redis } = opts
  const k = {
    records: `${opts.keyPrefix}spam:records`,
    byTime: `${opts.keyPrefix}spam:by-time`,
    byForm: (formId: string) => `${opts.keyPrefix}spam:form:${formId}`,
    counts: `${opts.keyPrefix}spam:counts`
  }
  const decode = (json: string | null): SpamRecord | undefined => {
    if (json === null) return undefined
    const r = JSON.parse(json) as SpamRecord
    // Visitor-chosen keys: a null-prototype object, as the SQLite store returns.
    return { ...r, values: Object.assign(Object.create(null) as SubmittedValues, r.values) }
  }
  const load = async (ids: string[]): Promise<SpamRecord[]> =>
    ids.length === 0 ? [] : (await redis.hmget(k.records, ...ids)).map(decode).filter((r): r is SpamRecord => r !== undefined)
  const remove = async (records: SpamRecord[]): Promise<number> => {
    if (records.length === 0) return 0
    const tx = redis.multi()
    tx.hdel(k.records, ...records.map(r => r.id))
    tx.zrem(k.byTime, ...records.map(r => r.id))
    for (const r of records) {
      tx.zrem(k.byForm(r.formId), r.id)
      tx.hincrby(k.counts, r.reason, -1)
    }
    await tx.exec()
    return records.length
  }

  return {
    add: async (r) => {
      // HSETNX: the same id twice is kept once, as INSERT OR IGNORE does in SQLite.
      if (await redis.hsetnx(k.records, r.id, JSON.stringify(r)) === 0) return
      await redis.multi()
        .zadd(k.byTime, r.receivedAt, r.id)
        .zadd(k.byForm(r.formId), r.receivedAt, r.id)
        .hincrby(k.counts, r.reason, 1)
        .exec()
    },
    get: async (id) => decode(await redis.hget(k.records, id)),
    list: async (o: SpamListOptions = {}) => {
      const limit = Math.min(Math.max(1, Math.trunc(o.limit ?? 50)), 500)
      const max = o.before === undefined ? '+inf' : `(${o.before}`
      const ids = await redis.zrevrangebyscore(o.formId === undefined ? k.byTime : k.byForm(o.formId), max, '-inf', 'LIMIT', 0, limit)
      return load(ids)
    },
    counts: async () => {
      const out: Partial<Record<SpamReason, number>> = {}
      for (const [reason, n] of Object.entries(await redis.hgetall(k.counts))) {
        if (Number(n) > 0) out[reason as SpamReason] = Number(n)
      }
      return out
    },
    prune: async (olderThan) => {
      let removed = 0
      for (let round = 0; round < 10_000; round++) {
        const ids = await redis.zrangebyscore(k.byTime, '-inf', `(${olderThan}`, 'LIMIT', 0, PAGE)
        if (ids.length === 0) break
        const records = await load(ids)
        // Index entries whose record is already gone are dropped too, so the loop always advances.
        await redis.zrem(k.byTime, ...ids)
        removed += await remove(records)
      }
      return removed
    },
    erase: async (matches) => {
      let erased = 0
      let offset = 0
      for (let round = 0; round < 10_000; round++) {
        const ids = await redis.zrange(k.byTime, offset, offset + PAGE - 1)
        if (ids.length === 0) break
        const found = (await load(ids)).filter(r => matches(r.values))
        erased += await remove(found)
        offset += ids.length - found.length
      }
      return erased
    },
    // The connection is the outbox's; it closes it.
    close: async () => {}
  }
}
