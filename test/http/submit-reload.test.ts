/**
 * The intake looks a request's form up once, before the body is read: a reload that removes the form
 * while the body is still arriving does not turn that post into a 404 halfway (the visitor's form
 * was live when the post began), and the next post sees the new config.
 */
import { connect } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildApp } from '../../src/app.ts'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { openSqliteOutbox } from '../../src/outbox/sqlite.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'
import { waitFor } from '../helpers/wait-for.ts'

const withForm = buildConfig({ forms: { shop: { fields: { name: 'NAME' } } } }, { B24_WEBHOOK_URL: TEST_WEBHOOK })
const withoutForm = buildConfig({ forms: { other: { fields: { name: 'NAME' } } } }, { B24_WEBHOOK_URL: TEST_WEBHOOK })

let close: (() => Promise<void>) | undefined
afterEach(async () => { await close?.(); close = undefined })

describe('a reload while a body arrives', () => {
  it('answers the post with the form it started with; the next post gets the new config', async () => {
    let current: RelayConfig = withForm
    let reads = 0
    const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'relaxed' })
    const app = await buildApp({ config: () => { reads++; return current }, outbox })
    await app.listen({ port: 0, host: '127.0.0.1' })
    close = async () => { await app.close(); await outbox.close() }
    const port = (app.server.address() as AddressInfo).port

    const body = JSON.stringify({ name: 'Anna' })
    const socket = connect(port, '127.0.0.1')
    let reply = ''
    socket.on('data', (chunk: Buffer) => { reply += chunk.toString('utf8') })
    await new Promise<void>(resolve => socket.once('connect', () => resolve()))
    const before = reads
    socket.write('POST /f/shop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json\r\n' +
      `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n` + body.slice(0, 5))
    // The hooks ran on the headers (they read the config); only then does the reload land.
    await waitFor(() => reads > before, { what: 'the intake hooks to read the config' })
    current = withoutForm
    socket.write(body.slice(5))
    await new Promise<void>(resolve => socket.once('close', () => resolve()))
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 202 Accepted')

    const next = await fetch(`http://127.0.0.1:${port}/f/shop`, {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body
    })
    expect(next.status).toBe(404)
  }, 30_000)
})
