/** The store floor's states: ok, low from 80 % or under twice the free-space floor, full at either floor. */
import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { createStoreFloor, spaceState } from '../../src/intake/store-floor.ts'
import type { Outbox } from '../../src/outbox/types.ts'

const limits = {
  bodyBytes: 1,
  fields: 1,
  valueChars: 1,
  storeBytes: 1000,
  minFreeDiskBytes: 100,
  requestTimeoutMs: 1,
  headersTimeoutMs: 1,
  minBodyBytesPerSecond: 0,
  bodyRateGraceMs: 1
}

describe('store space state', () => {
  it('is ok with room, low from 80 % or under twice the free floor, full at either floor', () => {
    expect(spaceState(100, 10_000, limits).state).toBe('ok')
    expect(spaceState(800, 10_000, limits).state).toBe('low')
    expect(spaceState(100, 199, limits).state).toBe('low')
    expect(spaceState(1000, 10_000, limits)).toMatchObject({ state: 'full', reason: expect.stringContaining('limits.storeBytes') })
    expect(spaceState(100, 99, limits)).toMatchObject({ state: 'full', reason: expect.stringContaining('limits.minFreeDiskBytes') })
    // Redis: no disk figure.
    expect(spaceState(100, null, limits).state).toBe('ok')
    expect(spaceState(null, null, limits).state).toBe('unknown')
  })
})

describe('store floor measurements', () => {
  it('measures again after a bounded number of checks, however fast they come', async () => {
    // A store that grows by 100 bytes per measurement and a reuse interval that never runs out by time:
    // only the count of checks can make the floor notice the cap.
    let bytes = 0
    let measured = 0
    const outbox = { usage: async () => { measured++; bytes += 100; return { bytes, dir: null } } } as unknown as Outbox
    const config = buildConfig({ limits: { storeBytes: 450 } }, { B24_WEBHOOK_URL: 'https://example.bitrix24.ru/rest/1/abc/' })
    const floor = createStoreFloor({ outbox, config: () => config, now: () => 0, measureEveryMs: 3_600_000, measureEveryChecks: 3 })
    let refusedAt: number | undefined
    for (let i = 1; i <= 40 && refusedAt === undefined; i++) {
      try { await floor.check() } catch (err) { expect(err).toMatchObject({ code: 'RELAY_ERR_STORE_FULL' }); refusedAt = i }
    }
    // Measured at check 1 (100 B), 5 (200), 9 (300), 13 (400), 17 (500: full).
    expect(measured).toBe(5)
    expect(refusedAt).toBe(17)
  })
})
