/**
 * Store upkeep with an injected clock and a real SQLite outbox: held submissions are released only
 * after the quiet period, at the configured pace, oldest first; retention purges at most every
 * purgeEveryMs.
 */
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { Housekeeping } from '../../src/delivery/housekeeping.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'

const T0 = 1_800_000_000_000
const MIN = 60_000

describe('housekeeping', () => {
  let outbox: SqliteOutbox
  afterEach(async () => { await outbox.close() })

  const setUp = async (flood: Record<string, unknown>) => {
    let clock = T0
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed', clock: () => clock })
    const config = buildConfig({ flood }, { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' })
    let woken = 0
    const logger = pino({ level: 'silent' })
    const hk = new Housekeeping({ outbox, config: () => config, logger, now: () => clock, onReleased: () => { woken++ } })
    // Stored at + i each: the store reads its clock when a call starts, so setting it before each call is enough.
    const held = async (n: number, at: number): Promise<string[]> => {
      const before = clock
      const stored = Array.from({ length: n }, (_, i) => {
        clock = at + i
        return outbox.enqueue({ formId: 'f', portalId: 'p', payload: { i }, hold: true })
      })
      clock = before
      return (await Promise.all(stored)).map(r => r.id)
    }
    return { hk, held, at: (ms: number) => { clock = T0 + ms }, woken: () => woken }
  }

  it('never counts the backlog: a pass reads the held summary, not stats() (which counts every due submission)', async () => {
    const h = await setUp({ quietMs: 10 * MIN, releasePerMinute: 60 })
    await Promise.all(Array.from({ length: 200 }, (_, i) => outbox.enqueue({ formId: 'f', portalId: 'p', payload: { i } })))
    await h.held(5, T0)
    let statsCalls = 0
    const stats = outbox.stats.bind(outbox)
    outbox.stats = async () => { statsCalls++; return await stats() }
    h.at(10 * MIN + 100)
    await h.hk.tick()
    h.at(11 * MIN)
    expect((await h.hk.tick()).released).toBe(5)
    expect(statsCalls).toBe(0)
  })

  it('releases nothing while the flood goes on, then a paced share per tick, oldest first', async () => {
    const h = await setUp({ quietMs: 10 * MIN, releasePerMinute: 60 })
    const ids = await h.held(100, T0)
    h.at(9 * MIN)
    expect((await h.hk.tick()).released).toBe(0)
    h.at(10 * MIN + 100)
    expect((await h.hk.tick()).released).toBe(0) // no time has been credited yet
    h.at(10 * MIN + 100 + 10_000)
    expect((await h.hk.tick()).released).toBe(10) // 60 a minute for 10 s
    expect((await outbox.get(ids[0]!))?.status).toBe('pending')
    expect((await outbox.get(ids[10]!))?.status).toBe('held')
    expect(h.woken()).toBe(1)
    // A long pause does not turn into a burst: a minute's worth at most.
    h.at(60 * MIN)
    expect((await h.hk.tick()).released).toBe(60)
    // The flood comes back: release stops.
    await h.held(1, T0 + 60 * MIN)
    h.at(61 * MIN)
    expect((await h.hk.tick()).released).toBe(0)
    expect((await outbox.stats()).held).toBe(31)
  })

  it('leaves held submissions to the operator with releasePerMinute 0', async () => {
    const h = await setUp({ quietMs: MIN, releasePerMinute: 0 })
    await h.held(5, T0)
    for (const t of [2, 30, 600]) {
      h.at(t * MIN)
      expect((await h.hk.tick()).released).toBe(0)
    }
    expect((await outbox.stats()).held).toBe(5)
  })

  it('purges held submissions past retention.heldMs, and not more often than purgeEveryMs', async () => {
    const h = await setUp({ quietMs: 1_000_000 * MIN, releasePerMinute: 0 })
    await h.held(3, T0)
    h.at(91 * 24 * 60 * MIN)
    expect((await h.hk.tick()).purged).toBe(3)
    await h.held(2, T0)
    h.at(91 * 24 * 60 * MIN + 30_000)
    expect((await h.hk.tick()).purged).toBe(0)
    h.at(91 * 24 * 60 * MIN + 61_000)
    expect((await h.hk.tick()).purged).toBe(2)
  })
})
