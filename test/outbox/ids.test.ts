/** Submission ids sort by creation and never repeat; lease tokens are opaque and unique. */
import { expect, it } from 'vitest'
import { newLeaseToken, newSubmissionId } from '../../src/outbox/ids.ts'

it('makes 26-character Crockford ULIDs that sort in the order they were made', () => {
  const ids = [newSubmissionId(1_700_000_000_000), ...Array.from({ length: 1000 }, () => newSubmissionId())]
  expect(ids[0]?.startsWith('01HF7YAT00')).toBe(true)
  for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  expect([...ids].sort()).toEqual(ids)
  expect(new Set(ids).size).toBe(ids.length)
})

it('keeps ids increasing when the clock steps back', () => {
  const later = newSubmissionId(Date.now() + 60_000)
  const earlier = newSubmissionId(Date.now())
  expect(earlier > later).toBe(true)
})

it('makes lease tokens that do not repeat', () => {
  const tokens = new Set(Array.from({ length: 1000 }, newLeaseToken))
  expect(tokens.size).toBe(1000)
})
