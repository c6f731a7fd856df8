/** /healthz and /readyz: store writability, per-portal delivery state from a real worker, queue depth and age. */
import { afterEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { buildAdminApp, type AdminTestApp } from './admin-app.ts'

interface Ready {
  ok: boolean
  store: { ok: boolean, writable: boolean | null, error?: { code: string } }
  worker: string
  portals: Record<string, { state: string, pending: number, leased: number, dead: number, lastError: { code: string } | null }>
  queue: {
    pending: number
    due: number
    dead: number
    delivered: number
    oldestPendingAt: number | null
    oldestPendingAgeSeconds: number | null
  } | null
}

describe('health endpoints', () => {
  let t: AdminTestApp | undefined
  let emulator: Emulator | undefined
  afterEach(async () => {
    await t?.close()
    await emulator?.close()
    t = undefined
    emulator = undefined
  })

  it('/healthz answers while the process lives', async () => {
    t = await buildAdminApp()
    const res = await t.app.inject({ url: '/healthz' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ ok: true })
  })

  it('/readyz: writable store, external worker, queue depth and the oldest submission\'s age', async () => {
    let clock = 1_800_000_000_000
    t = await buildAdminApp({ now: () => clock })
    for (const name of ['Anna', 'Boris']) {
      const res = await t.app.inject({ method: 'POST', url: '/f/default', payload: { name, phone: '+79001234567' } })
      expect(res.statusCode).toBe(202)
    }
    clock += 90_000
    const res = await t.app.inject({ url: '/readyz' })
    expect(res.statusCode).toBe(200)
    const body = res.json<Ready>()
    expect(body).toMatchObject({
      ok: true,
      store: { ok: true, writable: true },
      worker: 'external',
      portals: { default: { state: 'unknown', pending: 2, leased: 0, dead: 0 } },
      queue: { pending: 2, due: 2, dead: 0, delivered: 0, oldestPendingAt: 1_800_000_000_000, oldestPendingAgeSeconds: 90 }
    })
    const probe = t.outbox.connection().prepare('SELECT at FROM health_probe').get() as { at: number }
    expect(probe.at).toBe(clock) // the probe really wrote
  })

  it('/readyz answers 503 when the store cannot be used', async () => {
    t = await buildAdminApp()
    await t.outbox.close()
    const res = await t.app.inject({ url: '/readyz' })
    expect(res.statusCode).toBe(503)
    expect(res.json<Ready>())
      .toMatchObject({ ok: false, store: { ok: false, writable: false, error: { code: 'RELAY_ERR_STORE_CLOSED' } }, queue: null })
  })

  it('/readyz shows each portal\'s state from the in-process worker: ok, paused for auth, unreachable', async () => {
    emulator = await startEmulator({ rateLimit: false })
    emulator.revokeWebhook()
    t = await buildAdminApp({
      raw: {
        portals: { main: { webhook: emulator.webhookUrl }, dead: { webhook: 'http://127.0.0.1:9/rest/1/nothing-listens/', timeoutMs: 2000 } },
        forms: { a: { portal: 'main', fields: { name: 'NAME' } }, b: { portal: 'dead', fields: { name: 'NAME' } } },
        delivery: { authProbeMs: 600_000, retryBaseMs: 600_000 }
      },
      env: {},
      worker: {}
    })
    const ready = async (): Promise<Ready> => (await t!.app.inject({ url: '/readyz' })).json<Ready>()
    expect((await ready()).worker).toBe('in-process')
    expect(Object.values((await ready()).portals).map(p => p.state)).toEqual(['ok', 'ok'])
    for (const form of ['a', 'b']) {
      expect((await t.app.inject({ method: 'POST', url: `/f/${form}`, payload: { name: 'Vera' } })).statusCode).toBe(202)
    }
    const report = await waitFor(async () => {
      const r = await ready()
      return r.portals.main?.state === 'paused_auth' && r.portals.dead?.state === 'unreachable' ? r : undefined
    }, { timeoutMs: 15_000, what: 'paused_auth and unreachable' })
    expect(report.ok).toBe(true) // portal trouble does not make the relay unready: intake still works
    expect(report.portals.main).toMatchObject({ pending: 1, lastError: { code: 'RELAY_ERR_B24_AUTH' } })
    expect(report.portals.dead).toMatchObject({ pending: 1, lastError: { code: 'RELAY_ERR_B24_NETWORK' } })
  })
})
