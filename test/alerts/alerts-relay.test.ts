/**
 * Alerts end to end, in the relay process: revoking the emulated portal's webhook sends one notice to
 * the webhook sink, one e-mail and one Telegram message; restoring it sends one "cleared" notice each.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'
import { startHttpSink, startSmtpSink, type HttpSink, type SmtpSink } from './sinks.ts'

const BOT_TOKEN = '123456:bot-token-never-in-a-notice'

describe('alerts from the relay', () => {
  let emulator: Emulator
  let hook: HttpSink
  let telegram: HttpSink
  let smtp: SmtpSink
  let relay: RelayProcess
  let dir: string

  beforeAll(async () => {
    emulator = await startEmulator()
    hook = await startHttpSink()
    telegram = await startHttpSink()
    smtp = await startSmtpSink()
    dir = mkdtempSync(join(tmpdir(), 'relay-alerts-'))
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({
      portals: { main: { webhook: emulator.webhookUrl } },
      forms: { default: { portal: 'main', fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK' } } },
      delivery: { authProbeMs: 300, retryBaseMs: 50, retryMaxMs: 500 },
      alerts: {
        webhook: `${hook.url}/hooks/relay`,
        telegram: { token: BOT_TOKEN, chatId: -100123, apiUrl: telegram.url },
        email: { host: '127.0.0.1', port: smtp.port, from: 'relay@example.org', to: 'ops@example.org' },
        checkIntervalMs: 200,
        minFreeDiskBytes: 0
      }
    }))
    relay = await startRelayProcess({ RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}` })
  })

  afterAll(async () => {
    await relay?.kill('SIGTERM')
    await Promise.all([emulator.close(), hook.close(), telegram.close(), smtp.close()])
    rmSync(dir, { recursive: true, force: true })
  })

  const post = async (name: string): Promise<void> => {
    const res = await fetch(`${relay.url}/f/default`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name, phone: '+7 900 123-45-67', email: 'anna.petrova@example.com' })
    })
    expect(res.status).toBe(202)
  }

  it('one notice per channel when the portal pauses, one "cleared" when it delivers again', async () => {
    await post('Before')
    await waitFor(() => emulator.leads().length === 1, { timeoutMs: 60_000, what: 'the first lead' })
    expect(hook.received).toHaveLength(0)

    emulator.revokeWebhook()
    await post('During')
    await waitFor(() => hook.received.length >= 1 && smtp.messages.length >= 1 && telegram.received.length >= 1,
      { timeoutMs: 60_000, intervalMs: 100, what: 'a problem notice on every channel' })
    const problem = hook.received[0]!
    expect(problem.path).toBe('/hooks/relay')
    expect(problem.body).toMatchObject({ status: 'problem', check: 'portal-paused', key: 'portal-paused:main' })
    expect(String(problem.body.text)).toMatch(/Portal "main" is paused \(paused_auth\)/)
    expect(telegram.received[0]!.path).toBe(`/bot${BOT_TOKEN}/sendMessage`)
    expect(telegram.received[0]!.body).toMatchObject({ chat_id: -100123 })
    expect(smtp.messages[0]!.to).toEqual(['ops@example.org'])
    expect(smtp.messages[0]!.raw).toMatch(/Subject: \[b24-form-relay\] Problem: portal-paused:main/)

    // More posts while paused add no notices (one per problem): the counts after the clearing prove it.
    await post('Still paused')

    emulator.restoreWebhook()
    await waitFor(() => hook.received.length >= 2 && smtp.messages.length >= 2 && telegram.received.length >= 2,
      { timeoutMs: 60_000, intervalMs: 100, what: 'a cleared notice on every channel' })
    await waitFor(() => emulator.leads().length === 3, { timeoutMs: 60_000, what: 'the held leads delivered' })
    expect(hook.received).toHaveLength(2)
    expect(smtp.messages).toHaveLength(2)
    expect(telegram.received).toHaveLength(2)
    expect(hook.received[1]!.body).toMatchObject({ status: 'cleared', key: 'portal-paused:main' })
    expect(smtp.messages[1]!.raw).toMatch(/Subject: \[b24-form-relay\] Cleared: portal-paused:main/)

    // No secret and no visitor's contact data in any notice.
    const everything = JSON.stringify(hook.received) + JSON.stringify(telegram.received.map(r => r.body)) +
      smtp.messages.map(m => m.raw).join('\n')
    expect(everything).not.toContain(BOT_TOKEN)
    expect(everything).not.toContain(new URL(emulator.webhookUrl).pathname.split('/')[3]!)
    expect(everything).not.toContain('anna.petrova@example.com')
    expect(everything).not.toContain('123-45-67')
  }, 120_000)
})
