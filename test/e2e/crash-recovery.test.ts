/**
 * Never lose, never duplicate: the relay process is SIGKILLed in the middle of 1,000 submissions
 * while the emulated portal fails 40% of requests (20% 503, 10% 500, 5% resets, 5% lost replies:
 * the lead is committed and the connection dropped). After a restart, every submission that got a
 * 2xx is in the portal exactly once.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

const TOTAL = 1000
const KILL_AFTER = 400
const CONCURRENCY = 16

describe('crash recovery under portal faults', () => {
  let emulator: Emulator
  let dir: string
  let relay: RelayProcess | undefined
  let env: Record<string, string>

  beforeAll(async () => {
    emulator = await startEmulator({ faults: { seed: 7, status503: 0.2, status500: 0.1, reset: 0.05, lostReply: 0.05 } })
    dir = mkdtempSync(join(tmpdir(), 'relay-crash-'))
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({
      portals: { default: { webhook: emulator.webhookUrl, timeoutMs: 5000 } },
      delivery: { leaseMs: 1500, retryBaseMs: 50, retryMaxMs: 1000, maxAttempts: 10_000 }
    }))
    env = { RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}`, LOG_LEVEL: 'info' }
  })

  afterAll(async () => {
    await relay?.kill('SIGKILL')
    await emulator.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('every acknowledged submission is delivered exactly once', async () => {
    relay = await startRelayProcess(env)
    const acknowledged = new Map<number, string>()
    let next = 0
    let killed = false

    async function send (i: number): Promise<void> {
      const r = relay
      if (r === undefined) return
      try {
        const res = await fetch(`${r.url}/f/default`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Crash ${i}`, phone: `+7900${String(i).padStart(7, '0')}`, message: `submission ${i}` })
        })
        if (res.status === 202) acknowledged.set(i, ((await res.json()) as { id: string }).id)
      } catch { /* the process died under this request: not acknowledged */ }
    }

    async function senders (until: () => boolean): Promise<void> {
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (!until() && next < TOTAL) await send(next++)
      }))
    }

    // Phase 1: submit until KILL_AFTER are acknowledged, then kill -9 while requests are in flight.
    await senders(() => acknowledged.size >= KILL_AFTER)
    const inFlight = senders(() => killed)
    await relay.kill('SIGKILL')
    killed = true
    await inFlight
    expect(acknowledged.size).toBeGreaterThanOrEqual(KILL_AFTER)

    // Phase 2: restart on the same store; clients retry what was not acknowledged, then the rest.
    relay = await startRelayProcess(env)
    for (let pass = 0; pass < 3; pass++) {
      const missing = Array.from({ length: TOTAL }, (_, i) => i).filter(i => !acknowledged.has(i))
      for (let k = 0; k < missing.length; k += CONCURRENCY) await Promise.all(missing.slice(k, k + CONCURRENCY).map(send))
    }
    expect(acknowledged.size).toBe(TOTAL)

    const ids = new Set(acknowledged.values())
    await waitFor(() => {
      const seen = new Set(emulator.leads().map(l => String(l.fields.ORIGIN_ID)))
      return [...ids].every(id => seen.has(id))
    }, { timeoutMs: 150_000, intervalMs: 250, what: 'every acknowledged submission in the portal' })

    const counts = new Map<string, number>()
    for (const lead of emulator.leads()) {
      const origin = String(lead.fields.ORIGIN_ID)
      counts.set(origin, (counts.get(origin) ?? 0) + 1)
    }
    const twice = [...counts].filter(([, n]) => n > 1)
    expect(twice).toEqual([])
    for (const id of ids) expect(counts.get(id)).toBe(1)
    const faults = emulator.stats().faultsInjected
    expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(10)
  }, 240_000)
})
