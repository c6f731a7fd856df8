/**
 * The in-memory spam store (buildApp's default) answers as the SQLite store does: the same calls on
 * both give the same answers, so an app built without a spam store behaves as one given a file.
 */
import { describe, expect, it } from 'vitest'
import { memorySpamStore } from '../../src/security/spam-store-memory.ts'
import { openSqliteSpamStore } from '../../src/security/spam-store-sqlite.ts'
import type { SpamStore } from '../../src/security/spam-store.ts'

async function scenario (store: SpamStore): Promise<unknown[]> {
  const out: unknown[] = []
  for (let i = 0; i < 5; i++) {
    await store.add({
      id: `ID${i}`,
      formId: i % 2 === 0 ? 'a' : 'b',
      reason: i === 4 ? 'too_fast' : 'honeypot',
      receivedAt: 1000 + (i === 3 ? 2 : i),
      ...(i === 1 ? { detail: 'score 0.1', ip: '203.0.113.5', userAgent: 'bot', referer: 'https://a.example/', origin: 'https://a.example' } : {}),
      values: { n: String(i) }
    })
  }
  await store.add({ id: 'ID0', formId: 'a', reason: 'honeypot', receivedAt: 1000, values: { n: 'again' } })
  out.push(await store.list(), await store.list({ formId: 'a' }))
  out.push(await store.list({ before: 1003, limit: 2 }), await store.list({ limit: 0 }))
  const three = await store.get('ID3')
  out.push(three, Object.getPrototypeOf(three?.values), await store.get('nope'), await store.counts())
  out.push(await store.prune(1002), await store.counts())
  out.push(await store.erase(values => values.n === '3'), await store.list(), await store.counts())
  await store.close()
  return out
}

describe('the in-memory spam store', () => {
  it('lists, pages, counts, prunes and erases as the SQLite store does', async () => {
    const memory = await scenario(memorySpamStore())
    expect(memory).toStrictEqual(await scenario(openSqliteSpamStore(':memory:')))
    expect((memory[0] as Array<{ id: string }>).map(r => r.id)).toEqual(['ID4', 'ID3', 'ID2', 'ID1', 'ID0'])
  })
})
