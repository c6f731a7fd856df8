/**
 * SIGHUP on a real relay process: a new form appears without a restart and without one request of
 * a steady stream failing; an invalid file is refused and the running config stays. The standalone
 * worker reloads too, and serves its delivery metrics while the relay reports it as external. The
 * delivery worker's reload: a removed portal's lane stops and gives its claim back; a new rate
 * limit takes effect for a call already waiting.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pino from 'pino'
import { stringify } from 'yaml'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import { LeakyBucket } from '../../src/delivery/lane/leaky-bucket.ts'
import type { PortalLimiter } from '../../src/delivery/lane/portal-limiter.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite.ts'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

const WEBHOOK = 'http://127.0.0.1:9/rest/1/reload-test/'

describe('config reload on SIGHUP', () => {
  let dir: string
  let file: string
  let relay: RelayProcess

  const writeConfig = (forms: Record<string, unknown>): void => {
    writeFileSync(file, stringify({ portals: { main: { webhook: WEBHOOK } }, forms }))
  }
  const post = async (form: string, n: number): Promise<number> => {
    const res = await fetch(`${relay.url}/f/${form}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `n${n}` }) })
    await res.arrayBuffer()
    return res.status
  }
  const logged = async (msg: string, after: number): Promise<string> =>
    await waitFor(() => relay.logs.slice(after).find(l => l.includes(`"msg":"${msg}`)), { timeoutMs: 10_000, what: msg })

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-reload-'))
    file = join(dir, 'relay.yaml')
    writeConfig({ a: { portal: 'main', fields: { name: 'NAME' } } })
    relay = await startRelayProcess({ RELAY_CONFIG: file, OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}`, OUTBOX_DURABILITY: 'relaxed', RELAY_WORKER: 'off' })
  })
  afterAll(async () => {
    await relay?.kill('SIGTERM')
    rmSync(dir, { recursive: true, force: true })
  })

  it('adds a form on SIGHUP while requests keep flowing, none dropped', async () => {
    expect(await post('b', 0)).toBe(404)
    const statuses: number[] = []
    let stop = false
    // Four clients posting back to back (bounded: at most 2,000 requests) while the config changes.
    const clients = Array.from({ length: 4 }, async (_, c) => {
      for (let i = 0; i < 500 && !stop; i++) statuses.push(await post('a', c * 1000 + i))
    })
    await waitFor(() => statuses.length >= 20, { what: 'traffic before the reload' })
    writeConfig({ a: { portal: 'main', fields: { name: 'NAME' } }, b: { portal: 'main', fields: { name: 'NAME' } } })
    const mark = relay.logs.length
    relay.child.kill('SIGHUP')
    const line = await logged('config reloaded', mark)
    expect(JSON.parse(line)).toMatchObject({ forms: ['a', 'b'], portals: ['main'] })
    const atReload = statuses.length
    await waitFor(() => statuses.length >= atReload + 20, { what: 'traffic after the reload' })
    stop = true
    await Promise.all(clients)
    expect(statuses.length).toBeGreaterThan(40)
    expect(statuses.filter(s => s !== 202)).toEqual([])
    expect(await post('b', 1)).toBe(202)
  })

  it('refuses an invalid file on SIGHUP and keeps running with the old config', async () => {
    writeFileSync(file, stringify({ portals: { main: { webhook: 'not a url' } }, forms: { c: { portal: 'main' } } }))
    const mark = relay.logs.length
    relay.child.kill('SIGHUP')
    const line = JSON.parse(await logged('config reload rejected', mark)) as { level: number, code: string, issues: string[] }
    expect(line).toMatchObject({ level: 50, code: 'RELAY_ERR_CONFIG' })
    expect(line.issues).toContain('portals.main.webhook: is not a URL')
    expect(await post('b', 2)).toBe(202)
    expect(await post('c', 3)).toBe(404)
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
    expect(relay.child.exitCode).toBeNull()
  })
})

describe('standalone worker: METRICS_PORT and SIGHUP', () => {
  let dir: string
  let emulator: Emulator
  let relay: RelayProcess
  let worker: RelayProcess

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-worker-'))
    emulator = await startEmulator({ rateLimit: false })
    const file = join(dir, 'relay.yaml')
    writeFileSync(file, stringify({ portals: { main: { webhook: emulator.webhookUrl } }, forms: { a: { portal: 'main', fields: { name: 'NAME' } } } }))
    const env = { RELAY_CONFIG: file, OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}`, OUTBOX_DURABILITY: 'relaxed' }
    relay = await startRelayProcess({ ...env, RELAY_WORKER: 'off' })
    worker = await startRelayProcess({ ...env, METRICS_PORT: '0' }, { entry: 'src/worker.ts', readyMsg: '"worker ready"' })
  })
  afterAll(async () => {
    await worker?.kill('SIGTERM')
    await relay?.kill('SIGTERM')
    await emulator?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('delivers, counts in its own /metrics, reloads on SIGHUP; the relay reports the worker as external', async () => {
    for (const name of ['Anna', 'Boris', 'Vera']) {
      const res = await fetch(`${relay.url}/f/a`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) })
      expect(res.status).toBe(202)
    }
    await waitFor(() => emulator.leads().length === 3, { timeoutMs: 15_000, what: 'three leads' })
    const metrics = await waitFor(async () => {
      const text = await (await fetch(`${worker.url}/metrics`)).text()
      return text.includes('relay_deliveries_total{portal="main",outcome="delivered"} 3') ? text : undefined
    }, { what: 'delivery metrics' })
    expect(metrics).toContain('relay_portal_state{portal="main",state="ok"} 1')
    expect(metrics).toMatch(/relay_process_cpu_user_seconds_total \d/)
    const ready = await (await fetch(`${relay.url}/readyz`)).json() as { worker: string, portals: Record<string, { state: string }>, queue: { delivered: number } }
    expect(ready).toMatchObject({ worker: 'external', portals: { main: { state: 'unknown' } }, queue: { delivered: 3 } })

    const mark = worker.logs.length
    worker.child.kill('SIGHUP')
    await waitFor(() => worker.logs.slice(mark).some(l => l.includes('"msg":"config reloaded"')), { what: 'worker reload' })
    expect((await fetch(`${worker.url}/healthz`)).status).toBe(200)
  })
})

describe('delivery worker reload', () => {
  let emulator: Emulator
  let outbox: SqliteOutbox
  let worker: DeliveryWorker | undefined
  let config: RelayConfig

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
    outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full' })
  })
  afterAll(async () => {
    await worker?.stop()
    await outbox.close()
    await emulator.close()
  })

  const enqueue = async (portalId: string, title: string): Promise<string> =>
    (await outbox.enqueue({ formId: 'f', portalId, payload: { fields: { TITLE: title } } })).id
  const statusOf = async (id: string): Promise<string | undefined> => (await outbox.get(id))?.status

  it('stops the lane of a removed portal: its claim goes back uncounted, and is delivered when the portal returns', async () => {
    const both = { main: { webhook: emulator.webhookUrl }, gone: { webhook: emulator.webhookUrl } }
    config = buildConfig({ portals: both, forms: {} })
    // The first limiter of `gone` never gives a token: its lane holds a claim when the reload comes.
    let waiting = false
    let first = true
    const never: PortalLimiter = {
      take: async (_n, signal) => {
        waiting = true
        await new Promise((_resolve, reject) => { signal?.addEventListener('abort', () => { reject(signal.reason) }, { once: true }) })
      },
      penalize: () => {}
    }
    worker = new DeliveryWorker({
      outbox, config: () => config, logger: pino({ level: 'silent' }), idleMs: 20,
      limiterFor: (portalId, portal) => {
        if (portalId === 'gone' && first) { first = false; return never }
        const { burst, drainPerSecond, headroom } = portal.rateLimit
        return new LeakyBucket({ burst, drainPerSecond, headroom })
      }
    })
    worker.start()
    const id = await enqueue('gone', 'kept')
    worker.wake('gone')
    await waitFor(() => waiting, { what: 'the lane of gone waiting for a token' })
    expect(await statusOf(id)).toBe('leased')

    config = buildConfig({ portals: { main: both.main }, forms: {} })
    worker.reload()
    await waitFor(async () => await statusOf(id) === 'pending', { what: 'the claim given back' })
    expect(await outbox.get(id)).toMatchObject({ status: 'pending', attempts: 0 })
    expect(worker.status().map(s => s.portalId)).toEqual(['main'])
    const main = await enqueue('main', 'still delivered')
    worker.wake()
    await waitFor(async () => await statusOf(main) === 'delivered', { what: 'main delivering' })
    expect(await statusOf(id)).toBe('pending')

    config = buildConfig({ portals: both, forms: {} })
    worker.reload()
    await waitFor(async () => await statusOf(id) === 'delivered', { timeoutMs: 15_000, what: 'delivered after the portal came back' })
    expect(emulator.leads().filter(l => l.fields.TITLE === 'kept')).toHaveLength(1)
    await worker.stop()
    worker = undefined
  })

  it('applies a new rateLimit to a lane whose call is waiting for a token', async () => {
    // Two calls, then one token every 1,000 s: the third lead waits for the new limit, not for the clock.
    const slow = { webhook: emulator.webhookUrl, rateLimit: { burst: 2, drainPerSecond: 0.001, headroom: 0 } }
    config = buildConfig({ portals: { slow }, forms: {} })
    worker = new DeliveryWorker({ outbox, config: () => config, logger: pino({ level: 'silent' }), idleMs: 20 })
    worker.start()
    for (const title of ['one', 'two']) {
      const id = await enqueue('slow', title)
      worker.wake()
      await waitFor(async () => await statusOf(id) === 'delivered', { what: `lead ${title}` })
    }
    const third = await enqueue('slow', 'three')
    worker.wake()
    await waitFor(async () => await statusOf(third) === 'leased', { what: 'the third claimed' })
    config = buildConfig({ portals: { slow: { ...slow, rateLimit: { burst: 50, drainPerSecond: 50, headroom: 0 } } }, forms: {} })
    worker.reload()
    await waitFor(async () => await statusOf(third) === 'delivered', { timeoutMs: 15_000, what: 'the third under the new limit' })
    expect(await outbox.get(third)).toMatchObject({ attempts: 1 })
  })
})
