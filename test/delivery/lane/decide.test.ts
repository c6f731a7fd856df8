import { describe, expect, it } from 'vitest'
import { decide, type DecideInput } from '../../../src/delivery/lane/decide.ts'

const NOW = 1_700_000_000_000
const base: DecideInput = {
  kind: 'server', code: 'RELAY_ERR_B24_SERVER', message: 'boom', outcomeUnknown: true,
  attempts: 1, createdAt: NOW - 1000, now: NOW, maxAttempts: 5, maxAgeMs: 3_600_000, random: () => 0.5
}

describe('decide', () => {
  it('rate limit: give the lease back uncounted and pause the portal briefly', () => {
    expect(decide({ ...base, kind: 'rate_limit', outcomeUnknown: false })).toEqual({ action: 'release', portal: { state: 'rate_limited', until: NOW + 1000 } })
  })

  it('operating limit: retry when the portal says its basket resets', () => {
    const d = decide({ ...base, kind: 'operation_limit', resetAt: NOW + 42_000, outcomeUnknown: false })
    expect(d).toMatchObject({ action: 'retry', at: NOW + 42_000, portal: { state: 'rate_limited', until: NOW + 42_000 } })
  })

  it('operating limit: a reset time beyond the 10-minute window (a skewed clock) waits the window at most', () => {
    const d = decide({ ...base, kind: 'operation_limit', resetAt: NOW + 3_600_000, outcomeUnknown: false })
    expect(d).toMatchObject({ action: 'retry', at: NOW + 600_000 })
  })

  it('operating limit without a reset time waits 60 s', () => {
    expect(decide({ ...base, kind: 'operation_limit', outcomeUnknown: false })).toMatchObject({ action: 'retry', at: NOW + 60_000 })
  })

  it('server errors retry with backoff and keep the unknown outcome', () => {
    const d = decide(base)
    expect(d.action).toBe('retry')
    if (d.action !== 'retry') return
    expect(d.outcomeUnknown).toBe(true)
    expect(d.at).toBeGreaterThan(NOW)
    expect(d.at).toBeLessThanOrEqual(NOW + 5_000)
  })

  it('backoff grows with the attempts', () => {
    const at = (attempts: number): number => { const d = decide({ ...base, attempts, maxAttempts: 100 }); return d.action === 'retry' ? d.at : 0 }
    expect(at(4)).toBeGreaterThan(at(1))
  })

  it('network errors mark the portal unreachable', () => {
    expect(decide({ ...base, kind: 'network' })).toMatchObject({ action: 'retry', portal: { state: 'unreachable' } })
  })

  it('validation errors go to the dead letters with the portal message', () => {
    expect(decide({ ...base, kind: 'validation', message: 'The field "Title" is required.' })).toEqual({ action: 'dead', error: { code: 'RELAY_ERR_B24_SERVER', message: 'The field "Title" is required.' } })
  })

  it('auth errors pause the portal and keep the submission queued', () => {
    expect(decide({ ...base, kind: 'auth' })).toEqual({ action: 'release', portal: { state: 'paused_auth' } })
  })

  it('too many attempts or too old: dead letter, never deleted', () => {
    expect(decide({ ...base, attempts: 5 })).toMatchObject({ action: 'dead', error: { message: expect.stringMatching(/after 5 attempts/) } })
    expect(decide({ ...base, createdAt: NOW - 3_600_000 })).toMatchObject({ action: 'dead', error: { message: expect.stringMatching(/after 60 minutes/) } })
  })
})
