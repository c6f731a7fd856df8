/** The SQLite outbox with its writes on a writer thread: the same contract as in-process, plus what the thread adds. */
import { afterEach, describe, expect, it } from 'vitest'
import { openThreadedSqliteOutbox, type ThreadedSqliteOutbox } from '../../src/outbox/sqlite-threaded.ts'
import type { SqliteOutbox, SqliteOutboxOptions } from '../../src/outbox/sqlite.ts'
import type { NewSubmission } from '../../src/outbox/types.ts'
import { describeOutboxContract } from './outbox.contract.ts'
import { sqliteFileHarness, type SqliteFileHarness } from './sqlite-harness.ts'

const openThreaded = async (options: SqliteOutboxOptions): Promise<SqliteOutbox> => await openThreadedSqliteOutbox(options) as SqliteOutbox
const threadedHarness = async (opts: Partial<SqliteOutboxOptions> = {}): Promise<SqliteFileHarness> => await sqliteFileHarness(opts, openThreaded)

describeOutboxContract('sqlite file on a writer thread, durability full', clock => threadedHarness({ clock }))
describeOutboxContract('sqlite file on a writer thread, durability relaxed', clock => threadedHarness({ durability: 'relaxed', clock }))

const sub = (over: Partial<NewSubmission> = {}): NewSubmission =>
  ({ formId: 'f', portalId: 'p', payload: { TITLE: 't' }, ...over })

describe('SQLite outbox on a writer thread', () => {
  let h: Awaited<ReturnType<typeof threadedHarness>> | undefined
  afterEach(async () => { await h?.cleanup(); h = undefined })

  it('commits on the thread with synchronous=FULL and WAL, and counts what it wrote', async () => {
    h = await threadedHarness()
    await Promise.all(Array.from({ length: 20 }, (_, i) => h!.outbox.enqueue(sub({ dedupeKey: `k${i % 10}` }))))
    const stats = h.outbox.debugStats()
    expect(stats).toMatchObject({ journalMode: 'wal', synchronous: 2, enqueued: 10, duplicates: 10 })
    expect(stats.groupCommits).toBeGreaterThanOrEqual(1)
  })

  it('close() commits every write sent before it, and a reopened handle reads them', async () => {
    h = await threadedHarness()
    const writes = Array.from({ length: 30 }, (_, i) => h!.outbox.enqueue(sub({ payload: { TITLE: `t${i}` } })))
    await h.outbox.close()
    const ids = await Promise.all(writes)
    const again = await h.open!()
    for (const { id } of ids) expect(await again.get(id)).toMatchObject({ id, status: 'pending' })
  })

  it('a writer thread that dies fails only the writes it held, and the next write starts a new one', async () => {
    h = await threadedHarness()
    const outbox = h.outbox as ThreadedSqliteOutbox
    const before = await outbox.enqueue(sub({ dedupeKey: 'before' }))
    await outbox.killWriter!()
    const after = await outbox.enqueue(sub({ dedupeKey: 'after' }))
    expect(await outbox.get(before.id)).toMatchObject({ status: 'pending' })
    expect(await outbox.get(after.id)).toMatchObject({ status: 'pending' })
    expect(await outbox.enqueue(sub({ dedupeKey: 'before' }))).toEqual({ id: before.id, duplicate: true })
  })

  it('refuses a payload that is not JSON on the caller side, without failing the writes beside it', async () => {
    h = await threadedHarness()
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    const [good, bad] = await Promise.allSettled([h.outbox.enqueue(sub()), h.outbox.enqueue(sub({ payload: cyclic }))])
    expect(good.status).toBe('fulfilled')
    expect(bad.status === 'rejected' && bad.reason).toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
  })
})
