/**
 * Flood: spam from many addresses behind a trusted proxy, far past the form's per-form limit, with
 * real visitors in the middle of it. No real visitor may be refused, every real lead must be kept
 * (delivered, or held until the flood is over), and the store must stay under limits.storeBytes.
 * Runs once in either mode; the relay keeps its default limits (20 per address, 300 per form per
 * minute) and quiet period (10 min), so what the flood left is still held at the end.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { EmulatorProcess } from '../lib/emulator.ts'
import { startRelay } from '../lib/servers.ts'
import type { Settings } from '../lib/settings.ts'

export interface FloodRun {
  spam: number
  addresses: number
  visitors: number
  seconds: number
  /** Answers to the spam: 2xx (stored, most of them held), 429 (an address over its own limit), other. */
  spamAccepted: number
  spamRateLimited: number
  spamOther: number
  visitorsRefused: number
  /** Real visitors' submissions found in the store at the end: delivered, held, or still on their way. */
  visitorsDelivered: number
  visitorsHeld: number
  visitorsWaiting: number
  visitorsMissing: number
  heldAtEnd: number
  deliveredAtEnd: number
  leadsInPortal: number
  storeBytesMax: number
  storeLimitBytes: number
  visitorP99Ms: number
}

export interface FloodContext {
  dir: string
  settings: Settings
  progress: (line: string) => void
}

const ADMIN_TOKEN = 'bench-flood-admin-token-0123456789'

export async function floodScenario (ctx: FloodContext): Promise<FloodRun> {
  const f = ctx.settings.flood
  const dir = join(ctx.dir, 'flood')
  const emulator = await EmulatorProcess.start(ctx.dir, { burst: 50, drainPerSecond: 2 }, 'emulator-flood')
  const relay = await startRelay({
    dir,
    webhook: emulator.webhook,
    durability: 'full',
    worker: true,
    bucket: { burst: 50, drainPerSecond: 2 },
    config: { limits: { storeBytes: f.storeBytes } },
    env: { TRUST_PROXY: '127.0.0.1', ADMIN_TOKEN }
  })
  let storeBytesMax = 0
  let sampling = true
  const sampler = (async () => {
    // eslint-disable-next-line no-unmodified-loop-condition -- cleared by the scenario while this loop awaits
    while (sampling) {
      try {
        const ready = await (await fetch(`${relay.url}/readyz`)).json() as { space?: { storeBytes: number | null } }
        storeBytesMax = Math.max(storeBytesMax, ready.space?.storeBytes ?? 0)
      } catch { /* the next sample will tell */ }
      await sleep(200)
    }
  })()
  try {
    // The whole sequence first: spam round robin over the addresses, a visitor every total/visitors posts.
    const total = f.spam + f.visitors
    const every = Math.floor(total / f.visitors)
    const plan: Array<{ kind: 'spam', n: number } | { kind: 'visitor', n: number }> = []
    let spam = 0
    let visitor = 0
    for (let i = 0; i < total; i++) {
      if (visitor < f.visitors && i % every === every - 1) plan.push({ kind: 'visitor', n: visitor++ })
      else plan.push({ kind: 'spam', n: spam++ })
    }
    const spamCodes = new Map<number, number>()
    const visitors: Array<{ status: number, id?: string, ms: number }> = []
    const startedAt = Date.now()
    let next = 0
    await Promise.all(Array.from({ length: f.connections }, async () => {
      while (next < plan.length) {
        const item = plan[next++]!
        const n = item.n
        const phone = (prefix: string): string => `${prefix}${String(n).padStart(7, '0')}`
        const body = item.kind === 'spam'
          ? { name: `Offer ${n}`, email: `promo${n}@spam.example`, phone: phone('+7999'), message: `Cheap links ${n} `.repeat(60) }
          : { name: `Real visitor ${n}`, email: `visitor${n}@shop.example`, phone: phone('+7900'), message: 'Please call me back.' }
        const address = n % f.addresses
        const from = item.kind === 'spam' ? `198.18.${Math.floor(address / 250)}.${address % 250 + 1}` : `203.0.113.${n + 1}`
        const t0 = performance.now()
        const res = await fetch(`${relay.url}/f/default`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', 'x-forwarded-for': from },
          body: JSON.stringify(body)
        })
        const json = await res.json().catch(() => ({})) as { id?: string }
        if (item.kind === 'spam') spamCodes.set(res.status, (spamCodes.get(res.status) ?? 0) + 1)
        else visitors.push({ status: res.status, ...(json.id !== undefined ? { id: json.id } : {}), ms: performance.now() - t0 })
      }
    }))
    const seconds = (Date.now() - startedAt) / 1000
    await sleep(1000) // let the worker deliver what was not held
    const states = await Promise.all(visitors.filter(v => v.id !== undefined).map(async v => {
      const res = await fetch(`${relay.url}/admin/submissions/${v.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      return res.ok ? ((await res.json()) as { submission: { status: string } }).submission.status : 'missing'
    }))
    const ready = await (await fetch(`${relay.url}/readyz`)).json() as {
      queue: { held: number, delivered: number }, space?: { storeLimitBytes: number, storeBytes: number | null }
    }
    storeBytesMax = Math.max(storeBytesMax, ready.space?.storeBytes ?? 0)
    const count = (s: string): number => states.filter(x => x === s).length
    const lat = visitors.map(v => v.ms).sort((a, b) => a - b)
    const run: FloodRun = {
      spam: f.spam,
      addresses: f.addresses,
      visitors: f.visitors,
      seconds,
      spamAccepted: [...spamCodes].filter(([c]) => c >= 200 && c < 300).reduce((a, [, n]) => a + n, 0),
      spamRateLimited: spamCodes.get(429) ?? 0,
      spamOther: [...spamCodes].filter(([c]) => (c < 200 || c >= 300) && c !== 429).reduce((a, [, n]) => a + n, 0),
      visitorsRefused: visitors.filter(v => v.status < 200 || v.status >= 300).length,
      visitorsDelivered: count('delivered'),
      visitorsHeld: count('held'),
      visitorsWaiting: count('pending') + count('leased'),
      visitorsMissing: count('missing') + visitors.filter(v => v.id === undefined).length,
      heldAtEnd: ready.queue.held,
      deliveredAtEnd: ready.queue.delivered,
      leadsInPortal: (await emulator.status()).leads,
      storeBytesMax,
      storeLimitBytes: ready.space?.storeLimitBytes ?? f.storeBytes,
      visitorP99Ms: lat[Math.min(lat.length - 1, Math.ceil(lat.length * 0.99) - 1)] ?? Number.NaN
    }
    ctx.progress(`flood: ${run.spam} spam in ${seconds.toFixed(1)} s, visitors refused ${run.visitorsRefused}, ` +
      `kept ${run.visitorsDelivered + run.visitorsHeld + run.visitorsWaiting}/${run.visitors}, held ${run.heldAtEnd}, ` +
      `store max ${(run.storeBytesMax / 1048576).toFixed(1)} MiB of ${(run.storeLimitBytes / 1048576).toFixed(0)} MiB`)
    return run
  } finally {
    sampling = false
    await sampler
    await relay.stop()
    await emulator.stop()
  }
}
