/**
 * The admin guard: Bearer ADMIN_TOKEN compared in constant time; no token configured = the routes
 * do not exist; refusals carry WWW-Authenticate and never the token. ADMIN_TOKEN is read and checked
 * from the environment.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readEnvironment } from '../../src/config/environment.ts'
import { adminAuth, bearerToken } from '../../src/http/admin-auth.ts'

const TOKEN = 'admin-token-0123456789-abcdefghij'

async function appWith (token: string | undefined): Promise<FastifyInstance> {
  const app = Fastify()
  await app.register(async (admin) => {
    admin.addHook('onRequest', adminAuth(token))
    admin.get('/admin/ping', async () => ({ ok: true, secret: 'inside' }))
  })
  await app.ready()
  return app
}

describe('adminAuth', () => {
  let on: FastifyInstance
  let off: FastifyInstance

  beforeAll(async () => {
    on = await appWith(TOKEN)
    off = await appWith(undefined)
  })
  afterAll(async () => {
    await on.close()
    await off.close()
  })

  it('lets the right bearer token through', async () => {
    const res = await on.inject({ url: '/admin/ping', headers: { authorization: `Bearer ${TOKEN}` } })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true, secret: 'inside' })
    expect((await on.inject({ url: '/admin/ping', headers: { authorization: `bearer ${TOKEN}` } })).statusCode).toBe(200)
  })

  it('refuses a missing, wrong, truncated or differently-schemed token with 401 RELAY_ERR_ADMIN_UNAUTHORIZED', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer ',
      `Bearer ${TOKEN} extra`
    ]) {
      const res = await on.inject({ url: '/admin/ping', headers: authorization === undefined ? {} : { authorization } })
      expect(res.statusCode, String(authorization)).toBe(401)
      expect(res.json().error.code).toBe('RELAY_ERR_ADMIN_UNAUTHORIZED')
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(res.body).not.toContain(TOKEN)
      expect(res.body).not.toContain('inside')
    }
  })

  it('turns the routes off (404) when no token is configured, whatever is sent', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }, { authorization: 'Bearer ' }]) {
      const res = await off.inject({ url: '/admin/ping', headers })
      expect(res.statusCode).toBe(404)
      expect(res.json().error.code).toBe('RELAY_ERR_NOT_FOUND')
    }
    expect((await appWith('').then(async a => {
      const r = await a.inject({ url: '/admin/ping', headers: { authorization: 'Bearer ' } }); await a.close(); return r
    })).statusCode).toBe(404)
  })

  it('reads only a well-formed bearer header', () => {
    const req = (authorization?: string) => ({
      headers: authorization === undefined ? {} : { authorization }
    }) as unknown as Parameters<typeof bearerToken>[0]
    expect(bearerToken(req('Bearer abc'))).toBe('abc')
    expect(bearerToken(req('Bearer   abc  '))).toBe('abc')
    expect(bearerToken(req('Bearerabc'))).toBeUndefined()
    expect(bearerToken(req())).toBeUndefined()
  })
})

describe('ADMIN_TOKEN in the environment', () => {
  it('is passed on when set, absent when unset or empty', () => {
    expect(readEnvironment({ ADMIN_TOKEN: TOKEN }).adminToken).toBe(TOKEN)
    expect(readEnvironment({}).adminToken).toBeUndefined()
    expect(readEnvironment({ ADMIN_TOKEN: '' }).adminToken).toBeUndefined()
  })

  it('refuses a short token without printing it', () => {
    let message = ''
    try {
      readEnvironment({ ADMIN_TOKEN: 'short-secret' })
    } catch (err) {
      message = (err as Error).message
    }
    expect(message).toMatch(/ADMIN_TOKEN: use at least 16 characters/)
    expect(message).not.toContain('short-secret')
  })
})
