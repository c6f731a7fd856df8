/** The store floor's states: ok, low from 80 % or under twice the free-space floor, full at either floor. */
import { describe, expect, it } from 'vitest'
import { spaceState } from '../../src/intake/store-floor.ts'

const limits = { bodyBytes: 1, fields: 1, valueChars: 1, storeBytes: 1000, minFreeDiskBytes: 100 }

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
