/** The alert monitor and its checks, on an injected clock: one notice per problem, rate limits, failures only logged. */
import pino from 'pino'
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ALERT_CHECKS, diskLow, heldForFlood, queueAge } from '../../src/alerts/checks.ts'
import { AlertMonitor, type MonitorSettings } from '../../src/alerts/monitor.ts'
import { telegramNotifier } from '../../src/alerts/notifiers/telegram.ts'
import { webhookNotifier } from '../../src/alerts/notifiers/webhook.ts'
import type { AlertSnapshot, Notice, Notifier } from '../../src/alerts/types.ts'
import type { LaneStatus } from '../../src/delivery/lane/portal-lane.ts'
import type { OutboxStats } from '../../src/outbox/types.ts'
import { startHttpSink, type HttpSink } from './sinks.ts'

const T0 = Date.UTC(2026, 0, 1)
const settings: MonitorSettings = {
  checkIntervalMs: 1000, repeatAfterMs: 60_000, maxPerHour: 20, timeoutMs: 5000, queueAgeMs: 15 * 60_000, minFreeDiskBytes: 100
}

function stats (over: Partial<OutboxStats> = {}): OutboxStats {
  return { pending: 0, leased: 0, delivered: 0, dead: 0, held: 0, newestHeldAt: null, due: 0, oldestPendingAt: null, byPortal: {}, ...over }
}
function lane (portalId: string, state: LaneStatus['state']): LaneStatus {
  const message = 'The webhook of anna@example.com 8 900 123-45-67 was refused'
  const lastError = state === 'ok' ? null : { code: 'RELAY_ERR_B24_AUTH', message }
  return { portalId, state, since: T0, lastError, delivered: 0, failed: 0 }
}

/** A notifier that keeps what it is given (the port's simplest adapter). */
function recorder (): Notifier & { notices: Notice[] } {
  const notices: Notice[] = []
  return { channel: 'memory', notices, send: async n => { notices.push(n) } }
}

function logSink (): { logger: pino.Logger, lines: string[] } {
  const lines: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { lines.push(String(chunk)); cb() } })
  return { logger: pino({ level: 'info' }, stream), lines }
}

describe('AlertMonitor', () => {
  let now: number
  let snap: AlertSnapshot
  let memory: ReturnType<typeof recorder>
  let monitor: AlertMonitor
  let current: MonitorSettings

  beforeEach(() => {
    now = T0
    snap = { now, stats: stats(), lanes: [lane('main', 'ok')] }
    memory = recorder()
    current = { ...settings }
    monitor = new AlertMonitor({
      checks: ALERT_CHECKS, settings: () => current, notifiers: () => [memory], snapshot: async () => ({ ...snap, now }),
      logger: pino({ level: 'silent' }), now: () => now
    })
  })

  it('announces a problem once while it lasts, and once when it clears', async () => {
    await monitor.check()
    expect(memory.notices).toEqual([])
    snap.lanes = [lane('main', 'paused_auth')]
    for (let i = 0; i < 5; i++) { now += 1000; await monitor.check() }
    expect(memory.notices.map(n => `${n.status} ${n.key}`)).toEqual(['problem portal-paused:main'])
    // No contact data from the portal's message.
    expect(memory.notices[0]!.text).not.toContain('anna@example.com')
    expect(memory.notices[0]!.text).not.toContain('123-45-67')
    snap.lanes = [lane('main', 'ok')]
    now += 1000
    await monitor.check()
    await monitor.check()
    expect(memory.notices.map(n => `${n.status} ${n.key}`)).toEqual(['problem portal-paused:main', 'cleared portal-paused:main'])
  })

  it('a flapping problem is announced again only after repeatAfterMs', async () => {
    const flap = async (paused: boolean): Promise<void> => {
      snap.lanes = [lane('main', paused ? 'paused_auth' : 'ok')]
      now += 1000
      await monitor.check()
    }
    await flap(true)
    await flap(false)
    await flap(true) // 2 s after the first notice: held back
    await flap(false) // never announced, so it clears silently
    expect(memory.notices.map(n => n.status)).toEqual(['problem', 'cleared'])
    await flap(true)
    now += settings.repeatAfterMs
    await monitor.check() // still there once the window has passed: announced now
    expect(memory.notices.map(n => n.status)).toEqual(['problem', 'cleared', 'problem'])
  })

  it('at most maxPerHour notices; the held-back ones follow once the hour allows', async () => {
    current = { ...settings, maxPerHour: 2 }
    snap.lanes = ['a', 'b', 'c'].map(p => lane(p, 'paused_auth'))
    await monitor.check()
    expect(memory.notices.map(n => n.key)).toEqual(['portal-paused:a', 'portal-paused:b'])
    now += 3_600_001
    await monitor.check()
    expect(memory.notices.map(n => n.key)).toEqual(['portal-paused:a', 'portal-paused:b', 'portal-paused:c'])
  })

  it('dead letters, an old queue, low disk and held submissions are problems of their own', async () => {
    snap.stats = stats({ pending: 3, dead: 2, held: 5, oldestPendingAt: now - 20 * 60_000, byPortal: { main: { pending: 3, leased: 0, dead: 2 } } })
    snap.freeDiskBytes = 50
    await monitor.check()
    expect(memory.notices.map(n => n.key).sort()).toEqual(['dead-letters:main', 'disk-low', 'held-flood', 'queue-age'])
    expect(memory.notices.find(n => n.key === 'queue-age')!.text).toMatch(/20 min old \(threshold 15 min\); 3 wait/)
  })

  it('a notifier that fails is logged and the others still get the notice', async () => {
    const { logger, lines } = logSink()
    const broken: Notifier = { channel: 'broken', send: async () => { throw new Error('connection refused') } }
    const m = new AlertMonitor({
      checks: ALERT_CHECKS,
      settings: () => current,
      notifiers: () => [broken, memory],
      snapshot: async () => ({ ...snap, now }),
      logger,
      now: () => now
    })
    snap.lanes = [lane('main', 'paused_auth')]
    await m.check()
    expect(memory.notices).toHaveLength(1)
    expect(lines.some(l => l.includes('alert notice not sent: connection refused') && l.includes('"channel":"broken"'))).toBe(true)
  })
})

describe('checks', () => {
  it('queue age and disk space respect their thresholds', () => {
    const base: AlertSnapshot = { now: T0, stats: stats({ oldestPendingAt: T0 - 60_000 }), lanes: [], freeDiskBytes: 1000 }
    expect(queueAge.find(base, { ...settings, queueAgeMs: 60_000 })).toEqual([])
    expect(queueAge.find(base, { ...settings, queueAgeMs: 59_999 })).toHaveLength(1)
    expect(diskLow.find(base, { ...settings, minFreeDiskBytes: 1000 })).toEqual([])
    expect(diskLow.find(base, { ...settings, minFreeDiskBytes: 1001 })).toHaveLength(1)
    expect(diskLow.find(base, { ...settings, minFreeDiskBytes: 0 })).toEqual([])
  })

  it('held-for-flood submissions are one problem while any are held, whatever their count', () => {
    const at = (held: number): AlertSnapshot => ({ now: T0, stats: stats({ held }), lanes: [] })
    expect(heldForFlood.find(at(0), settings)).toEqual([])
    const one = heldForFlood.find(at(1), settings)
    const many = heldForFlood.find(at(400), settings)
    expect(one.map(p => p.key)).toEqual(['held-flood'])
    expect(many.map(p => p.key)).toEqual(['held-flood'])
    expect(many[0]!.summary).toMatch(/^400 submissions are held/)
  })
})

describe('notifiers over HTTP', () => {
  let sink: HttpSink
  beforeEach(async () => { sink = await startHttpSink() })
  afterEach(async () => { await sink.close() })
  const notice: Notice = {
    status: 'problem', check: 'queue-age', key: 'queue-age', text: 'The oldest waiting submission is 20 min old', at: T0
  }

  it('webhook: Slack/Mattermost-compatible text, and a non-2xx answer is an error', async () => {
    await webhookNotifier({ url: sink.url + '/hook', source: 'relay-1' }).send(notice, AbortSignal.timeout(5000))
    expect(sink.received[0]!.body).toMatchObject({
      text: ':warning: [relay-1] The oldest waiting submission is 20 min old', status: 'problem', key: 'queue-age'
    })
    sink.answer.status = 500
    await expect(webhookNotifier({ url: sink.url, source: 'r' }).send(notice, AbortSignal.timeout(5000))).rejects.toThrow('HTTP 500')
  })

  it('telegram: sendMessage on the configured API; its errors never show the bot token', async () => {
    const token = '42:secret-bot-token'
    await telegramNotifier({ token, chatId: 7, apiUrl: sink.url + '/', source: 'r' }).send(notice, AbortSignal.timeout(5000))
    expect(sink.received[0]).toMatchObject({ path: `/bot${token}/sendMessage`, body: { chat_id: 7 } })
    sink.answer.status = 401
    sink.answer.json = { ok: false, description: 'Unauthorized' }
    const err = await telegramNotifier({ token, chatId: 7, apiUrl: sink.url, source: 'r' })
      .send(notice, AbortSignal.timeout(5000)).catch((e: Error) => e)
    expect(String(err)).toContain('Telegram answered HTTP 401: Unauthorized')
    const unreachable = await telegramNotifier({ token, chatId: 7, apiUrl: 'http://127.0.0.1:9', source: 'r' })
      .send(notice, AbortSignal.timeout(5000)).catch((e: Error) => e)
    expect(String(unreachable)).toContain('Telegram could not be reached')
    expect(String(err) + String(unreachable)).not.toContain('secret-bot-token')
  })
})
