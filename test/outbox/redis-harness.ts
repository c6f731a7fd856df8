/** Redis outboxes for the contract suite and the Redis tests: a random key prefix each, removed by cleanup(). */
import { openRedisOutbox, type RedisOutbox, type RedisOutboxOptions } from '../../src/outbox/redis.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import type { OutboxHarness } from './outbox.contract.ts'

export interface RedisHarness extends OutboxHarness {
  outbox: RedisOutbox
  open: (more?: Partial<RedisOutboxOptions>) => Promise<RedisOutbox>
  keyPrefix: string
  url: string
}

export async function redisHarness (opts: Partial<RedisOutboxOptions> = {}): Promise<RedisHarness> {
  const url = opts.url ?? SHARED_REDIS_URL
  const { keyPrefix } = randomPrefix('outbox')
  const handles: RedisOutbox[] = []
  const open = async (more: Partial<RedisOutboxOptions> = {}): Promise<RedisOutbox> => {
    const handle = await openRedisOutbox({ url, durability: 'full', keyPrefix, ...opts, ...more })
    handles.push(handle)
    return handle
  }
  return {
    outbox: await open(),
    open,
    keyPrefix,
    url,
    cleanup: async () => {
      await Promise.all(handles.map(h => h.close()))
      await deletePrefix(url, keyPrefix)
    }
  }
}
