/**
 * Redis goes away under a running relay and comes back: while it is away the intake answers 503
 * RELAY_ERR_STORE_UNAVAILABLE (never a 2xx for something it could not store), and once it is back
 * the same process takes submissions again and delivers every acknowledged one exactly once.
 * Runs on a redis-server of its own (appendonly, appendfsync always), never the machine's shared one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openBullOutbox } from '../../src/outbox/bullmq.ts'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { startPrivateRedis, type PrivateRedis } from '../helpers/redis-server.ts'
import { waitFor } from '../helpers/wait-for.ts'

interface Answer { i: number, status: number, code: string | null, id?: string, startedAt: number, endedAt: number }

describe('Redis outage under a running relay', () => {
  let emulator: Emulator
  let server: PrivateRedis
  let relay: RelayProcess | undefined
  let dir: string
  let url: string

  beforeAll(async () => {
    emulator = await startEmulator()
    server = await startPrivateRedis({ persistent: true })
    dir = mkdtempSync(join(tmpdir(), 'relay-outage-'))
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({
      portals: { default: { webhook: emulator.webhookUrl, timeoutMs: 5000 } },
      delivery: { leaseMs: 6000, retryBaseMs: 50, retryMaxMs: 1000, maxAttempts: 10_000 }
    }))
    url = `${server.url}?prefix=outage`
  })

  afterAll(async () => {
    await relay?.kill('SIGKILL')
    await emulator?.close()
    await server?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers 503 while Redis is away, and recovers without a restart', async () => {
    relay = await startRelayProcess({ RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: url })
    const r = relay
    const answers: Answer[] = []
    let n = 0
    async function send (): Promise<Answer> {
      const i = n++
      const startedAt = Date.now()
      const res = await fetch(`${r.url}/f/default`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: `Outage ${i}`, phone: `+7902${String(i).padStart(7, '0')}` })
      })
      const body = await res.json() as { id?: string }
      const a: Answer = {
        i,
        status: res.status,
        code: res.headers.get('x-relay-error'),
        startedAt,
        endedAt: Date.now(),
        ...(body.id !== undefined ? { id: body.id } : {})
      }
      answers.push(a)
      return a
    }
    async function sendWhile (more: () => boolean, limit: number): Promise<void> {
      await Promise.all(Array.from({ length: 4 }, async () => {
        for (let k = 0; k < limit && more(); k++) await send()
      }))
    }
    const accepted = (): Answer[] => answers.filter(a => a.status === 202)

    // Redis up: submissions are taken.
    await sendWhile(() => accepted().length < 100, 100)
    expect(accepted().length).toBeGreaterThanOrEqual(100)

    // Redis killed while requests are in flight; it stays away for a while.
    const sending = sendWhile(() => true, 40)
    await new Promise(resolve => setTimeout(resolve, 50))
    await server.stop('SIGKILL')
    const downAt = Date.now()
    await sending
    await sendWhile(() => true, 10)
    expect((await fetch(`${r.url}/readyz`)).status).toBe(503)
    const upAt = Date.now()
    const whileDown = answers.filter(a => a.startedAt > downAt && a.endedAt < upAt)
    expect(whileDown.length).toBeGreaterThanOrEqual(40)
    expect(whileDown.every(a => a.status === 503 && a.code === 'RELAY_ERR_STORE_UNAVAILABLE')).toBe(true)

    // Redis back: the same process takes submissions again by itself.
    await server.start()
    await waitFor(async () => (await send()).status === 202, { timeoutMs: 15_000, intervalMs: 100, what: 'a 202 after Redis came back' })
    const before = accepted().length
    await sendWhile(() => true, 25)
    expect(accepted().length - before).toBe(100)
    expect(relay.child.exitCode).toBeNull()
    expect((await fetch(`${r.url}/readyz`)).status).toBe(200)
    expect(answers.every(a => a.status === 202 || a.status === 503)).toBe(true)

    // Every 2xx is stored (the append-only file kept what was acknowledged before the kill) and
    // becomes exactly one lead.
    const check = await openBullOutbox({ url, durability: 'full' })
    try {
      for (const a of accepted()) expect(await check.get(a.id!), `submission ${a.i}`).toBeDefined()
    } finally {
      await check.close()
    }
    const ids = new Set(accepted().map(a => a.id!))
    await waitFor(() => {
      const seen = new Set(emulator.leads().map(l => String(l.fields.ORIGIN_ID)))
      return [...ids].every(id => seen.has(id))
    }, { timeoutMs: 40_000, intervalMs: 250, what: 'every acknowledged submission in the portal' })
    const origins = emulator.leads().map(l => String(l.fields.ORIGIN_ID))
    expect(origins.length).toBe(new Set(origins).size)

    const logs = relay.logs.join('\n')
    expect(logs).toContain('Redis connection restored')
    expect(logs).not.toContain('REDIS KEEPS NOTHING ON DISK')
  }, 90_000)
})
