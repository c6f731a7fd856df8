/**
 * What the Redis server keeps on disk, read with CONFIG GET, and the warnings that follow from it:
 * an acknowledged lead survives a Redis restart only with the append-only file on.
 */
import type { Redis } from 'ioredis'
import type { OutboxLogger } from './types.ts'

export interface RedisPersistence {
  /** False when CONFIG GET is refused (managed services often rename it); then the rest is null. */
  readable: boolean
  appendonly: string | null
  appendfsync: string | null
  /** RDB snapshot rules; '' means none. */
  save: string | null
  maxmemoryPolicy: string | null
}

export interface PersistenceWarning {
  /** Short name for logs and tests. */
  kind: 'nothing_on_disk' | 'snapshots_only' | 'fsync_by_os' | 'fsync_every_second' | 'eviction' | 'unknown'
  message: string
}

export async function readPersistence (redis: Redis): Promise<RedisPersistence> {
  try {
    const get = async (name: string): Promise<string | null> => {
      const pair = await redis.config('GET', name) as string[]
      return pair[1] ?? null
    }
    const [appendonly, appendfsync, save, maxmemoryPolicy] = await Promise.all(
      ['appendonly', 'appendfsync', 'save', 'maxmemory-policy'].map(get))
    return {
      readable: true,
      appendonly: appendonly ?? null,
      appendfsync: appendfsync ?? null,
      save: save ?? null,
      maxmemoryPolicy: maxmemoryPolicy ?? null
    }
  } catch {
    return { readable: false, appendonly: null, appendfsync: null, save: null, maxmemoryPolicy: null }
  }
}

/** What may be lost with these settings. `full` durability expects every acknowledged write fsynced (appendfsync always). */
export function persistenceWarnings (p: RedisPersistence, durability: 'full' | 'relaxed'): PersistenceWarning[] {
  if (!p.readable) {
    return [{
      kind: 'unknown',
      message: 'cannot read the Redis persistence settings (CONFIG GET refused); ' +
        'make sure the server runs with appendonly yes and appendfsync always, or acknowledged submissions can be lost'
    }]
  }
  const out: PersistenceWarning[] = []
  if (p.appendonly !== 'yes') {
    out.push(p.save === '' || p.save === null
      ? {
          kind: 'nothing_on_disk',
          message: 'REDIS KEEPS NOTHING ON DISK (appendonly no, no save rules): every queued submission is lost when Redis restarts. ' +
            'Set appendonly yes and appendfsync always (or everysec)'
        }
      : {
          kind: 'snapshots_only',
          message: `Redis writes only RDB snapshots (save "${p.save}"): ` +
            'submissions acknowledged since the last snapshot are lost when Redis restarts. Set appendonly yes'
        })
  } else if (p.appendfsync === 'no') {
    out.push({
      kind: 'fsync_by_os',
      message: 'appendfsync no: the OS decides when the append-only file reaches the disk; ' +
        'an OS crash or power cut can lose acknowledged submissions. Use appendfsync always'
    })
  } else if (p.appendfsync === 'everysec' && durability === 'full') {
    out.push({
      kind: 'fsync_every_second',
      message: 'appendfsync everysec: an OS crash or power cut can lose about the last second of acknowledged submissions ' +
        '(a Redis crash alone loses nothing). appendfsync always matches outbox durability full'
    })
  }
  if (p.maxmemoryPolicy !== null && p.maxmemoryPolicy !== 'noeviction') {
    out.push({
      kind: 'eviction',
      message: `maxmemory-policy ${p.maxmemoryPolicy}: Redis may evict queued submissions when memory runs short. ` +
        'Set maxmemory-policy noeviction'
    })
  }
  return out
}

/** Reads the settings and logs every warning; called at open and after each reconnect (the server may have been replaced). */
export async function checkPersistence (redis: Redis, durability: 'full' | 'relaxed', log: OutboxLogger): Promise<RedisPersistence> {
  const p = await readPersistence(redis)
  const facts = { appendonly: p.appendonly, appendfsync: p.appendfsync, save: p.save, maxmemoryPolicy: p.maxmemoryPolicy }
  for (const w of persistenceWarnings(p, durability)) log.warn({ ...facts, risk: w.kind }, w.message)
  return p
}
