/**
 * Slow clients over a real socket: a body or headers dribbled a byte at a time lose the connection,
 * closed by the server, long before the client would have finished. Small configured limits keep
 * the test short; every loop is bounded in count and time.
 */
import { connect, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { Pool } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'

interface Served { app: FastifyInstance, outbox: SqliteOutbox, port: number }
let served: Served | undefined

async function serve (limits: Record<string, number>): Promise<Served> {
  const config = buildConfig({ limits, rateLimit: { perIp: false, perForm: false } }, { B24_WEBHOOK_URL: TEST_WEBHOOK })
  const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
  const app = await buildApp({ config: () => config, outbox })
  await app.listen({ port: 0, host: '127.0.0.1' })
  served = { app, outbox, port: (app.server.address() as AddressInfo).port }
  return served
}

afterEach(async () => {
  await served?.app.close()
  await served?.outbox.close()
  served = undefined
})

interface Dribble { closedByServer: boolean, sent: number, reply: string }

/** Writes `head` at once, then `rest` one byte every `everyMs`, until the server closes or all is sent. */
async function dribble (port: number, head: string, rest: string, everyMs: number): Promise<Dribble> {
  const socket: Socket = connect(port, '127.0.0.1')
  let reply = ''
  let closed = false
  socket.on('data', (chunk) => { reply += chunk.toString('latin1') })
  const closedNow = new Promise<void>((resolve) => socket.once('close', () => { closed = true; resolve() }))
  socket.on('error', () => {})
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
  socket.write(head)
  let sent = 0
  // eslint-disable-next-line no-unmodified-loop-condition -- set by the socket's close listener while the loop awaits
  for (; sent < rest.length && !closed; sent++) {
    await new Promise((resolve) => setTimeout(resolve, everyMs))
    if (!closed) socket.write(rest.charAt(sent))
  }
  const closedByServer = closed
  socket.end()
  await closedNow
  return { closedByServer, sent, reply }
}

const BODY = JSON.stringify({ name: 'Anna', phone: '+79001234567', message: 'x'.repeat(60) })
const HEAD = 'POST /f/default HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\n' +
  `Content-Length: ${BODY.length}\r\n\r\n`

describe('slow clients', () => {
  it('a body slower than minBodyBytesPerSecond is dropped once the grace time is over', async () => {
    const { port } = await serve({ minBodyBytesPerSecond: 50, bodyRateGraceMs: 600, requestTimeoutMs: 60_000, headersTimeoutMs: 10_000 })
    const result = await dribble(port, HEAD, BODY, 100)
    expect(result.closedByServer).toBe(true)
    expect(result.sent).toBeLessThan(BODY.length)
  }, 30_000)

  it('a request that takes longer than requestTimeoutMs is answered 408 and closed', async () => {
    const { port } = await serve({ minBodyBytesPerSecond: 0, requestTimeoutMs: 1500, headersTimeoutMs: 1000 })
    const result = await dribble(port, HEAD, BODY, 100)
    expect(result.closedByServer).toBe(true)
    expect(result.sent).toBeLessThan(BODY.length)
    expect(result.reply).toMatch(/^HTTP\/1\.1 408 /)
  }, 30_000)

  it('headers that trickle in past headersTimeoutMs lose the connection', async () => {
    const { port } = await serve({ minBodyBytesPerSecond: 0, requestTimeoutMs: 2000, headersTimeoutMs: 1000 })
    const result = await dribble(port, 'POST /f/default HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(200) + '\r\n\r\n', 50)
    expect(result.closedByServer).toBe(true)
    expect(result.sent).toBeLessThan(210)
  }, 30_000)

  it('a form sent at a normal pace is accepted with the same limits', async () => {
    const { port } = await serve({ minBodyBytesPerSecond: 50, bodyRateGraceMs: 600, requestTimeoutMs: 1500, headersTimeoutMs: 1000 })
    const res = await fetch(`http://127.0.0.1:${port}/f/default`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: BODY
    })
    expect(res.status).toBe(202)
  }, 30_000)
})

describe('a keep-alive connection', () => {
  it('holds no listener or timer of the requests it already answered', async () => {
    const { app, port } = await serve({ minBodyBytesPerSecond: 50, bodyRateGraceMs: 600 })
    const sockets: Socket[] = []
    app.server.on('connection', (s: Socket) => sockets.push(s))
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 })
    try {
      for (let i = 0; i < 30; i++) {
        const res = await pool.request({
          path: '/f/default',
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ name: 'Anna', phone: '+79001234567', message: `number ${i}` })
        })
        await res.body.dump()
        expect(res.statusCode).toBe(202)
      }
      expect(sockets).toHaveLength(1)
      // Node's own listeners stay; one per answered request would be 30 more.
      expect(sockets[0]?.listenerCount('close')).toBeLessThan(5)
    } finally {
      await pool.close()
    }
  }, 30_000)
})

describe('connection limits in the config', () => {
  it('have documented defaults and can be set from the environment', () => {
    const defaults = buildConfig({}, { B24_WEBHOOK_URL: TEST_WEBHOOK }).limits
    expect(defaults)
      .toMatchObject({ requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, minBodyBytesPerSecond: 500, bodyRateGraceMs: 5_000 })
    const vars = { B24_WEBHOOK_URL: TEST_WEBHOOK, REQUEST_TIMEOUT_MS: '20000', HEADERS_TIMEOUT_MS: '5000', MIN_BODY_BYTES_PER_SECOND: '0' }
    const env = buildConfig({}, vars).limits
    expect(env).toMatchObject({ requestTimeoutMs: 20_000, headersTimeoutMs: 5_000, minBodyBytesPerSecond: 0 })
  })
})

describe('a request timeout shorter than the headers timeout', () => {
  it('is accepted, and the headers get the shorter time', async () => {
    const { port } = await serve({ minBodyBytesPerSecond: 0, requestTimeoutMs: 1000, headersTimeoutMs: 10_000 })
    const result = await dribble(port, 'POST /f/default HTTP/1.1\r\n', 'X-Slow: ' + 'a'.repeat(200) + '\r\n\r\n', 50)
    expect(result.closedByServer).toBe(true)
  }, 30_000)
})
