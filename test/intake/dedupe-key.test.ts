/**
 * The double-submit key is stored with each submission: a relay upgraded inside the dedupe window
 * must compute the same key for the same post, so its derivation is pinned here against the
 * piece-by-piece form it was first written in.
 */
import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { dedupeKey } from '../../src/intake/accept-submission.ts'

function pieceByPiece (input: Parameters<typeof dedupeKey>[0]): { key: string, fingerprint?: string } {
  const scope = (kind: string) => createHash('sha256').update(kind).update('\0').update(input.formId).update('\0')
    .update(input.sender).update('\0')
  const values = createHash('sha256')
  for (const name of Object.keys(input.values).sort()) {
    if (name === '_ts') continue
    values.update(name).update('\0').update(JSON.stringify(input.values[name])).update('\0')
  }
  for (const file of input.files ?? []) values.update(file.name).update('\0').update(file.content ?? file.url ?? '').update('\0')
  const fingerprint = values.digest('base64url')
  if (input.idempotencyKey !== undefined) {
    return { key: 'key:' + scope('key').update(input.idempotencyKey).digest('base64url'), fingerprint }
  }
  return { key: 'values:' + scope('values').update(fingerprint).digest('base64url') }
}

const values = { name: 'Иван 👋', phone: ['+7 916 123-45-67', '8 800'], _ts: '1764812345', message: 'a\0b "quoted"' }

describe('dedupeKey', () => {
  it('is the hash of the same pieces as before, without and with an Idempotency-Key', () => {
    const input = { formId: 'contact', sender: 'ip:203.0.113.5', values }
    expect(dedupeKey(input)).toEqual(pieceByPiece(input))
    const keyed = { ...input, idempotencyKey: 'order-1234' }
    expect(dedupeKey(keyed)).toEqual(pieceByPiece(keyed))
  })

  it('with files: the name and the content or link of each are part of the values', () => {
    const input = {
      formId: 'contact',
      sender: 'secret:contact',
      values,
      files: [
        { name: 'cv.pdf', content: 'JVBERi0xLjQK', type: 'application/pdf', size: 9 },
        { name: 'photo.jpg', url: 'https://example.com/photo.jpg' }
      ]
    } as unknown as Parameters<typeof dedupeKey>[0]
    expect(dedupeKey(input)).toEqual(pieceByPiece(input))
    expect(dedupeKey(input).key).not.toBe(dedupeKey({ ...input, files: [] }).key)
  })
})
