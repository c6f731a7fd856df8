/**
 * Signatures used once across relay instances: with a Redis connection the replay cache lives in
 * Redis, so a signed request accepted by one instance is refused by the other. Over real HTTP.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signRequest } from '../../src/security/source-auth.ts'
import { buildSecureApp, type SecureApp } from './helpers.ts'

const KEY = 'script-hmac-key-abcdefghijklmnop'

describe('replay cache in Redis, shared by two relay instances', () => {
  let redis: Redis
  let a: SecureApp
  let b: SecureApp

  beforeAll(async () => {
    redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true, maxRetriesPerRequest: 1 })
    await redis.connect()
    const raw = {
      forms: { signed: { portal: 'default', fields: { name: 'NAME' }, hmacSecret: KEY } },
      rateLimit: { perIp: false, perForm: false }
    }
    a = await buildSecureApp(raw, { redis })
    b = await buildSecureApp(raw, { redis })
    await a.listen()
    await b.listen()
  })

  afterAll(async () => {
    await a?.close()
    await b?.close()
    redis?.disconnect()
  })

  it('a signature accepted by one instance is refused by the other', async () => {
    // A unique body, so the signature (and its Redis key) is new on every run.
    const body = JSON.stringify({ name: 'Anna', run: randomUUID() })
    const timestamp = String(Math.floor(Date.now() / 1000))
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-relay-timestamp': timestamp,
      'x-relay-signature': signRequest(KEY, { method: 'POST', path: '/f/signed', contentType: 'application/json', timestamp, body })
    }
    expect((await fetch(`${a.url}/f/signed`, { method: 'POST', headers, body })).status).toBe(202)
    const replay = await fetch(`${b.url}/f/signed`, { method: 'POST', headers, body })
    expect(replay.status).toBe(401)
    expect(((await replay.json()) as { error: { code: string } }).error.code).toBe('RELAY_ERR_SIGNATURE_REPLAYED')
  })
})
