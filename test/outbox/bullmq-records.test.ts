/** The attempt history kept in BullMQ job logs: rows of claims and reports folded into the port's attempt records. */
import { describe, expect, it } from 'vitest'
import { endRow, foldHistory, startRow, statusOf } from '../../src/outbox/bullmq-records.ts'

describe('attempt history from job logs', () => {
  it('pairs a report with its claim by lease tag, even when the next claim was logged first', () => {
    // A release, then another instance claimed the job before the release's row was written.
    const rows = [startRow('a', 1, 100, 1000), startRow('b', 1, 150, 1000), endRow('a', 140, 'released')]
    expect(foldHistory(rows, true)).toEqual({
      history: [
        { attempt: 1, startedAt: 100, endedAt: 140, outcome: 'released', error: null },
        { attempt: 1, startedAt: 150, endedAt: null, outcome: 'in_flight', error: null }
      ],
      leaseUntil: 1150,
      lastAt: 150
    })
  })

  it('marks a claim that never reported as lease_expired, ended when the next claim started', () => {
    const error = { code: 'X', message: 'x' }
    const rows = [startRow('a', 1, 100, 500), startRow('b', 2, 900, 500), endRow('b', 950, 'retry', error)]
    expect(foldHistory(rows, false).history).toEqual([
      { attempt: 1, startedAt: 100, endedAt: 900, outcome: 'lease_expired', error: null },
      { attempt: 2, startedAt: 900, endedAt: 950, outcome: 'retry', error }
    ])
  })

  it('shows the last claim in flight only while the job is active', () => {
    const rows = [startRow('a', 1, 100, 500)]
    expect(foldHistory(rows, true)).toMatchObject({ history: [{ outcome: 'in_flight' }], leaseUntil: 600 })
    expect(foldHistory(rows, false)).toMatchObject({ history: [{ outcome: 'lease_expired', endedAt: null }], leaseUntil: null })
  })

  it('ignores rows it cannot read and reports for leases it never saw', () => {
    expect(foldHistory(['not json', endRow('zz', 5, 'delivered')], false)).toEqual({ history: [], leaseUntil: null, lastAt: 5 })
  })

  it('maps BullMQ states to the port\'s statuses', () => {
    expect(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'].map(statusOf))
      .toEqual(['pending', 'pending', 'pending', 'leased', 'delivered', 'dead'])
  })
})
