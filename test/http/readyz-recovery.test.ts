/** /readyz after a portal recovers: the error that paused it is cleared once the portal delivers again. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { buildAdminApp, type AdminTestApp } from './admin-app.ts'

interface Ready { portals: Record<string, { state: string, lastError: { code: string } | null }> }

describe('/readyz lastError', () => {
  let emulator: Emulator
  let t: AdminTestApp

  beforeAll(async () => {
    emulator = await startEmulator({ rateLimit: false })
    t = await buildAdminApp({
      raw: {
        portals: { main: { webhook: emulator.webhookUrl } },
        forms: { shop: { portal: 'main', fields: { name: 'NAME' } } },
        delivery: { authProbeMs: 100 }
      },
      env: {},
      worker: {}
    })
  })
  afterAll(async () => {
    await t.close()
    await emulator.close()
  })

  const ready = async (): Promise<Ready['portals'][string] | undefined> =>
    (await t.app.inject({ method: 'GET', url: '/readyz' })).json<Ready>().portals.main
  const post = async (name: string): Promise<void> => {
    expect((await t.app.inject({ method: 'POST', url: '/f/shop', payload: { name } })).statusCode).toBe(202)
  }

  it('holds the auth error while paused and clears it once a lead is delivered', async () => {
    emulator.revokeWebhook()
    await post('During')
    const paused = await waitFor(async () => {
      const p = await ready()
      return p?.state === 'paused_auth' ? p : undefined
    }, { what: 'the portal paused' })
    expect(paused.lastError?.code).toBe('RELAY_ERR_B24_AUTH')
    emulator.restoreWebhook()
    await waitFor(() => emulator.leads().some(l => l.fields.NAME === 'During'), { timeoutMs: 20_000, what: 'the held lead delivered' })
    await post('After')
    await waitFor(() => emulator.leads().some(l => l.fields.NAME === 'After'), { timeoutMs: 20_000, what: 'the next lead delivered' })
    expect(await ready()).toMatchObject({ state: 'ok', lastError: null })
  }, 60_000)
})
