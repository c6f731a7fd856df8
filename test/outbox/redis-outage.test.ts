/** The Redis outbox while its server is away: intake calls fail at once, reports wait for Redis while the lease lasts, and the same handle recovers. */
import { afterEach, describe, expect, it } from 'vitest'
import { openBullOutbox, type BullOutbox } from '../../src/outbox/bullmq.ts'
import type { NewSubmission } from '../../src/outbox/types.ts'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts'
import { waitFor } from '../helpers/wait-for.ts'

const sub = (over: Partial<NewSubmission> = {}): NewSubmission =>
  ({ formId: 'f', portalId: 'p', payload: { TITLE: 't' }, ...over })

describe('Redis outbox with its server away', () => {
  let server: PrivateRedis | undefined
  let outbox: BullOutbox | undefined
  afterEach(async () => {
    await outbox?.close()
    await server?.close()
  })

  it('fails enqueue and claim at once with RELAY_ERR_STORE, then works again on the same handle', async () => {
    server = await startPrivateRedis({ persistent: true })
    outbox = await openBullOutbox({ url: server.url, durability: 'full' })
    const { id: before } = await outbox.enqueue(sub())
    await server.stop()
    await expect(outbox.enqueue(sub())).rejects.toMatchObject({ code: 'RELAY_ERR_STORE', name: 'StoreError' })
    await expect(outbox.claim({ limit: 1, leaseMs: 1000 })).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
    await server.start()
    const o = outbox
    const { id: after } = await waitFor(async () => await o.enqueue(sub()).catch(() => undefined),
      { timeoutMs: 10_000, intervalMs: 100, what: 'an enqueue after Redis came back' })
    // The append-only file kept the submission acknowledged before the kill.
    expect((await o.claim({ limit: 5, leaseMs: 1000 })).map(c => c.id)).toEqual([before, after])
  })

  it('a report made while Redis is away waits for it and lands on the lease it holds', async () => {
    server = await startPrivateRedis({ persistent: true })
    const warnings: string[] = []
    const logger = { debug () {}, info () {}, warn: (_obj: object, msg: string) => { warnings.push(msg) }, error () {} }
    outbox = await openBullOutbox({ url: server.url, durability: 'full', logger })
    const { id } = await outbox.enqueue(sub())
    const [c] = await outbox.claim({ limit: 1, leaseMs: 60_000 })
    await server.stop()
    const completing = outbox.complete(id, c!.leaseToken, { leadId: 77 })
    // The report has met the outage and is waiting, not merely queued behind it.
    await waitFor(() => warnings.some(m => m.includes('the report waits for it')), { what: 'the report to find Redis away' })
    await server.start()
    expect(await completing).toBe(true)
    const rec = await outbox.get(id)
    expect(rec).toMatchObject({ status: 'delivered', leadId: 77, attempts: 1 })
    expect(rec?.history.map(a => a.outcome)).toEqual(['delivered'])
  })

  it('gives up on a report once its lease would have run out anyway', async () => {
    server = await startPrivateRedis()
    outbox = await openBullOutbox({ url: server.url, durability: 'full' })
    const { id } = await outbox.enqueue(sub())
    const [c] = await outbox.claim({ limit: 1, leaseMs: 400 })
    await server.stop()
    await expect(outbox.release(id, c!.leaseToken)).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
  })

  it('refuses to open when no Redis answers, naming the address without its password', async () => {
    server = await startPrivateRedis()
    const url = server.url.replace('redis://', 'redis://:secret@')
    await server.close()
    server = undefined
    const opening = openBullOutbox({ url, durability: 'full', connectTimeoutMs: 500 })
    await expect(opening).rejects.toMatchObject({ code: 'RELAY_ERR_STORE' })
    await expect(opening).rejects.toThrow(/redis:\/\/\*\*\*@127\.0\.0\.1/)
    await expect(opening).rejects.not.toThrow(/secret/)
  })
})
