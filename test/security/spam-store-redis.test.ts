/**
 * The Redis spam store: the SQLite store's behaviour (newest first, per form, paging, prune, counts,
 * erase), shared by every handle on the same prefix; and a relay in Redis mode keeps its spam there.
 */
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openRedisSpamStore } from '../../src/security/spam-store-redis.ts'
import { deletePrefix, randomPrefix, SHARED_REDIS_URL } from '../helpers/redis-server.ts'
import { startRelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('the Redis spam store', () => {
  let redis: Redis
  const prefixes: string[] = []

  beforeAll(() => { redis = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 }) })
  afterAll(async () => {
    for (const p of prefixes) await deletePrefix(SHARED_REDIS_URL, p)
    redis.disconnect()
  })

  it('lists newest first, filters by form, pages by time, prunes, counts and erases; two handles share it', async () => {
    const { keyPrefix } = randomPrefix('spam')
    prefixes.push(keyPrefix)
    const a = openRedisSpamStore({ redis, keyPrefix })
    const b = openRedisSpamStore({ redis, keyPrefix })
    for (let i = 0; i < 5; i++) {
      await (i % 2 === 0 ? a : b).add({
        id: `ID${i}`,
        formId: i % 2 === 0 ? 'a' : 'b',
        reason: i === 4 ? 'too_fast' : 'honeypot',
        receivedAt: 1000 + i,
        values: { n: String(i) }
      })
    }
    await a.add({ id: 'ID0', formId: 'a', reason: 'honeypot', receivedAt: 1000, values: { n: 'again' } })
    expect((await b.list()).map(r => r.id)).toEqual(['ID4', 'ID3', 'ID2', 'ID1', 'ID0'])
    expect((await b.list({ formId: 'a' })).map(r => r.id)).toEqual(['ID4', 'ID2', 'ID0'])
    expect((await a.list({ before: 1003, limit: 2 })).map(r => r.id)).toEqual(['ID2', 'ID1'])
    const three = await a.get('ID3')
    expect(three?.values).toEqual({ n: '3' })
    expect(Object.getPrototypeOf(three?.values)).toBeNull()
    expect(await b.counts()).toEqual({ honeypot: 4, too_fast: 1 })
    expect(await a.prune(1002)).toBe(2)
    expect(await b.counts()).toEqual({ honeypot: 2, too_fast: 1 })
    expect(await b.erase(values => values.n === '3')).toBe(1)
    expect((await a.list()).map(r => r.id)).toEqual(['ID4', 'ID2'])
    expect(await a.counts()).toEqual({ honeypot: 1, too_fast: 1 })
  })

  it('relays in Redis mode keep spam in Redis, under their prefix', async () => {
    const { name, keyPrefix } = randomPrefix('spamrelay')
    prefixes.push(keyPrefix)
    const env = { OUTBOX_URL: `${SHARED_REDIS_URL}?prefix=${name}`, B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/abc/', RELAY_WORKER: 'off' }
    const relays = [await startRelayProcess(env), await startRelayProcess(env)]
    try {
      for (const [i, relay] of relays.entries()) {
        const res = await fetch(`${relay.url}/f/default`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: `name=Bot${i}&_gotcha=1`
        })
        expect(res.status).toBe(202)
      }
      await waitFor(async () => await redis.hlen(`${keyPrefix}spam:records`) === 2, { what: 'both relays\' spam in Redis' })
      const held = openRedisSpamStore({ redis, keyPrefix })
      expect((await held.list()).map(r => r.values.name).sort()).toEqual(['Bot0', 'Bot1'])
    } finally {
      await Promise.all(relays.map(r => r.kill('SIGTERM')))
    }
  }, 60_000)
})
