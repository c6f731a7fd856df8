/** BullMQ outboxes on Redis for the contract suite and the Redis tests: a random key prefix each, removed by cleanup(). */
import { openBullOutbox, type BullOutbox, type BullOutboxOptions } from '../../src/outbox/bullmq.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import type { OutboxHarness } from './outbox.contract.ts'

export interface RedisHarness extends OutboxHarness {
  outbox: BullOutbox
  open: (more?: Partial<BullOutboxOptions>) => Promise<BullOutbox>
  keyPrefix: string
  url: string
}

export async function redisHarness (opts: Partial<BullOutboxOptions> = {}): Promise<RedisHarness> {
  const url = opts.url ?? SHARED_REDIS_URL
  const { keyPrefix } = randomPrefix('outbox')
  const handles: BullOutbox[] = []
  const open = async (more: Partial<BullOutboxOptions> = {}): Promise<BullOutbox> => {
    // Short leases in the wall-clock contract: look for expired ones often (the same value in every handle).
    const handle = await openBullOutbox({ url, durability: 'full', keyPrefix, stalledCheckMs: 200, ...opts, ...more })
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
