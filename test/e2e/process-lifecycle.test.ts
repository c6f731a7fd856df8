/**
 * The relay as an operator runs it: SIGTERM lets in-flight work settle and exits cleanly, and the
 * delivery worker can run as its own process (`npm run worker`) on the relay's SQLite file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox } from '../../src/outbox/sqlite.ts'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

async function postMany (url: string, n: number, tag: string): Promise<string[]> {
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${url}/f/default`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `${tag} ${i}`, phone: `+7902${String(i).padStart(7, '0')}` }) })
    expect(res.status).toBe(202)
    ids.push(((await res.json()) as { id: string }).id)
  }
  return ids
}

describe('process lifecycle', () => {
  let emulator: Emulator
  let dir: string
  const procs: RelayProcess[] = []
  let env: Record<string, string>

  beforeEach(async () => {
    emulator = await startEmulator()
    dir = mkdtempSync(join(tmpdir(), 'relay-life-'))
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ portals: { default: { webhook: emulator.webhookUrl } }, delivery: { leaseMs: 3000, retryBaseMs: 50, retryMaxMs: 500 } }))
    env = { RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}` }
  })

  afterEach(async () => {
    await Promise.all(procs.splice(0).map(p => p.kill('SIGKILL')))
    await emulator.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('SIGTERM during a slow batch call: exits 0, and nothing is lost or sent twice after a restart', async () => {
    // Every portal answer takes 1.5 s, so the shutdown lands while a batch call is in flight.
    emulator.setFaults({ delayMs: 1500 })
    const relay = await startRelayProcess(env)
    procs.push(relay)
    const ids = await postMany(relay.url, 20, 'Term')
    await waitFor(() => emulator.stats().requests > 0, { what: 'a call in flight' })
    expect(await relay.kill('SIGTERM')).toBe(0)
    expect(relay.logs.some(l => l.includes('shutting down'))).toBe(true)

    const store = await openSqliteOutbox({ path: join(dir, 'relay.db'), durability: 'full' })
    const stats = await store.stats()
    await store.close()
    // The in-flight call settled: nothing is left leased behind a dead process.
    expect(stats.leased).toBe(0)
    expect(stats.pending + stats.delivered).toBe(20)

    emulator.setFaults({})
    const restarted = await startRelayProcess(env)
    procs.push(restarted)
    await waitFor(() => ids.every(id => emulator.leads().some(l => l.fields.ORIGIN_ID === id)), { timeoutMs: 20_000, what: 'all 20 delivered' })
    expect(emulator.leads().filter(l => ids.includes(String(l.fields.ORIGIN_ID)))).toHaveLength(20)
  }, 60_000)

  it('RELAY_WORKER=off takes submissions only; a separate worker process delivers them', async () => {
    const intake = await startRelayProcess({ ...env, RELAY_WORKER: 'off' })
    procs.push(intake)
    const ids = await postMany(intake.url, 10, 'Split')
    // Nothing is delivered while no worker runs: the intake says it has none, and the store holds all
    // ten due and never claimed, rather than a pause that hopes a worker would have been quick.
    expect(intake.logs.some(l => l.includes('"msg":"relay ready"') && l.includes('"worker":false'))).toBe(true)
    const store = await openSqliteOutbox({ path: join(dir, 'relay.db'), durability: 'full' })
    try {
      const stored = await Promise.all(ids.map(async id => await store.get(id)))
      expect(stored.map(r => [r?.status, r?.attempts])).toEqual(ids.map(() => ['pending', 0]))
      expect((await store.stats()).due).toBe(10)
    } finally {
      await store.close()
    }
    expect(emulator.leads()).toHaveLength(0)
    const worker = await startRelayProcess(env, { entry: 'src/worker.ts', readyMsg: '"worker ready"' })
    procs.push(worker)
    await waitFor(() => emulator.leads().length === 10, { timeoutMs: 20_000, what: '10 leads from the standalone worker' })
    expect(emulator.leads().map(l => l.fields.ORIGIN_ID).sort()).toEqual([...ids].sort())
    expect(await worker.kill('SIGTERM')).toBe(0)
  }, 60_000)
})
