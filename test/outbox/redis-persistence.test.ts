/** What Redis keeps on disk decides whether an acknowledged lead survives a restart: read it, and warn about what can be lost. */
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { openBullOutbox } from '../../src/outbox/bullmq.ts'
import { persistenceWarnings, readPersistence, type RedisPersistence } from '../../src/outbox/redis-persistence.ts'
import type { OutboxLogger } from '../../src/outbox/types.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL, startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts'

const settings = (over: Partial<RedisPersistence>): RedisPersistence =>
  ({ readable: true, appendonly: 'yes', appendfsync: 'always', save: '', maxmemoryPolicy: 'noeviction', ...over })
const kinds = (p: RedisPersistence, durability: 'full' | 'relaxed' = 'full'): string[] =>
  persistenceWarnings(p, durability).map(w => w.kind)

function recordingLogger (): OutboxLogger & { warnings: string[] } {
  const warnings: string[] = []
  return { warnings, debug () {}, info () {}, error () {}, warn (_obj, msg) { warnings.push(msg) } }
}

describe('persistence warnings', () => {
  it('are silent for appendonly with appendfsync always and noeviction', () => {
    expect(kinds(settings({}))).toEqual([])
  })

  it('name each way acknowledged submissions can be lost', () => {
    expect(kinds(settings({ appendonly: 'no', save: '' }))).toEqual(['nothing_on_disk'])
    expect(kinds(settings({ appendonly: 'no', save: '3600 1 300 100' }))).toEqual(['snapshots_only'])
    expect(kinds(settings({ appendfsync: 'no' }))).toEqual(['fsync_by_os'])
    expect(kinds(settings({ appendfsync: 'everysec' }), 'full')).toEqual(['fsync_every_second'])
    expect(kinds(settings({ appendfsync: 'everysec' }), 'relaxed')).toEqual([])
    expect(kinds(settings({ maxmemoryPolicy: 'allkeys-lru' }))).toEqual(['eviction'])
    expect(kinds({ readable: false, appendonly: null, appendfsync: null, save: null, maxmemoryPolicy: null })).toEqual(['unknown'])
  })
})

describe('persistence read from real servers', () => {
  let server: PrivateRedis | undefined
  afterEach(async () => { await server?.close() })

  it('the machine\'s shared Redis keeps nothing on disk, and opening the outbox says so loudly', async () => {
    const redis = new Redis(SHARED_REDIS_URL)
    try {
      const p = await readPersistence(redis)
      expect(p).toMatchObject({ readable: true, appendonly: 'no', save: '' })
    } finally {
      redis.disconnect()
    }
    const log = recordingLogger()
    const { keyPrefix } = randomPrefix('persist')
    const outbox = await openBullOutbox({ url: SHARED_REDIS_URL, durability: 'full', keyPrefix, logger: log })
    await outbox.close()
    await deletePrefix(SHARED_REDIS_URL, keyPrefix)
    expect(log.warnings.some(m => m.startsWith('REDIS KEEPS NOTHING ON DISK'))).toBe(true)
  })

  it('a server with appendonly and appendfsync always draws no warning', async () => {
    server = await startPrivateRedis({ persistent: true })
    const log = recordingLogger()
    const outbox = await openBullOutbox({ url: server.url, durability: 'full', logger: log })
    expect(outbox.persistence()).toMatchObject({ appendonly: 'yes', appendfsync: 'always' })
    await outbox.close()
    expect(log.warnings).toEqual([])
  })

  it('checks again after a reconnect: a server replaced by one without persistence is reported', async () => {
    server = await startPrivateRedis({ persistent: true })
    const log = recordingLogger()
    const outbox = await openBullOutbox({ url: server.url, durability: 'full', logger: log })
    try {
      const redis = outbox.redis
      // Turn the append-only file off on the running server, then drop the connection: the reconnect checks again.
      await redis.config('SET', 'appendonly', 'no')
      await redis.client('KILL', 'TYPE', 'normal', 'SKIPME', 'no').catch(() => {})
      await expect.poll(() => log.warnings.some(m => m.startsWith('REDIS KEEPS NOTHING ON DISK')), { timeout: 10_000 }).toBe(true)
    } finally {
      await outbox.close()
    }
  })
})
