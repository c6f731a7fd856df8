import { describe, expect, it } from 'vitest'
import { backoffMs } from '../../../src/delivery/lane/backoff.ts'

const mid = () => 0.5 // no jitter: 2r - 1 = 0
const low = () => 0
const high = () => 1

describe('backoffMs', () => {
  it('doubles from baseMs per attempt', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, { random: mid }))).toEqual([1000, 2000, 4000, 8000, 16000])
    expect(backoffMs(3, { baseMs: 500, random: mid })).toBe(2000)
  })

  it('caps at maxMs (300 s by default), also for huge attempt counts', () => {
    expect(backoffMs(9, { random: mid })).toBe(256_000)
    expect(backoffMs(10, { random: mid })).toBe(300_000)
    expect(backoffMs(5000, { random: mid })).toBe(300_000)
    expect(backoffMs(4, { maxMs: 5000, random: mid })).toBe(5000)
  })

  it('spreads by ±jitter of the delay', () => {
    expect(backoffMs(1, { random: low })).toBe(800)
    expect(backoffMs(1, { random: high })).toBe(1200)
    expect(backoffMs(2, { random: () => 0.25 })).toBe(1800)
    expect(backoffMs(2, { jitter: 0.5, random: low })).toBe(1000)
    expect(backoffMs(2, { jitter: 0, random: high })).toBe(2000)
  })

  it('never exceeds maxMs, even with upward jitter', () => {
    expect(backoffMs(20, { random: high })).toBe(300_000)
    expect(backoffMs(20, { random: low })).toBe(240_000)
  })

  it('treats attempt 0, negatives and NaN as the first retry', () => {
    expect(backoffMs(0, { random: mid })).toBe(1000)
    expect(backoffMs(-3, { random: mid })).toBe(1000)
    expect(backoffMs(Number.NaN, { random: mid })).toBe(1000)
  })

  it('stays within bounds with the real random source', () => {
    for (let i = 0; i < 200; i++) {
      const ms = backoffMs(3)
      expect(ms).toBeGreaterThanOrEqual(3200)
      expect(ms).toBeLessThanOrEqual(4800)
    }
  })
})
