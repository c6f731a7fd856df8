/**
 * Spike: a burst of submissions at a steady rate while another app has already used up the
 * portal's limit. What the visitor waits, and how many leads end up in Bitrix24, relay against
 * the naive relay (each with a portal of its own, so the naive spike can run while the relay
 * is still delivering).
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Child } from '../lib/children.ts'
import { EmulatorProcess } from '../lib/emulator.ts'
import type { LoadResult } from '../lib/load.ts'
import { runPaced } from '../lib/paced.ts'
import { startNaive, startRelay } from '../lib/servers.ts'
import type { Settings } from '../lib/settings.ts'

export interface SpikeSide {
  p50: number
  p99: number
  max: number
  /** Submissions answered 2xx. */
  accepted: number
  /** Distinct leads in the emulator at the end. */
  delivered: number
  duplicates: number
  /** Submissions that never became a lead: refused, failed, or accepted and not delivered. */
  lost: number
}

export interface SpikeRun {
  relay: SpikeSide & { secondsToDeliverAll: number }
  naive: SpikeSide
}

export interface SpikeContext {
  dir: string
  settings: Settings
  progress: (line: string) => void
}

export async function spikeScenario (ctx: SpikeContext): Promise<SpikeRun[]> {
  const s = ctx.settings.spike
  const bucket = { burst: s.burst, drainPerSecond: s.drainPerSecond }
  // One portal each: the naive relay's spike runs while the relay is still delivering its own.
  const portalA = await EmulatorProcess.start(ctx.dir, bucket, 'emulator-relay')
  const portalB = await EmulatorProcess.start(ctx.dir, bucket, 'emulator-naive')
  const runs: SpikeRun[] = []
  try {
    for (let run = 1; run <= ctx.settings.runs; run++) {
      const dir = join(ctx.dir, `spike-${run}`)
      await portalA.reset()
      await portalB.reset()
      const relay = await startRelay({ dir, webhook: portalA.webhook, durability: 'full', worker: true, bucket })
      const naive = await startNaive(dir, portalB.webhook)
      try {
        await warmUp(ctx, relay.url, naive.url, portalA, portalB)
        await portalA.fillBucket(s.burst)
        const startedAt = Date.now()
        const relayLoad = await spikeLoad(ctx, relay.url)
        await portalB.fillBucket(s.burst)
        const naiveLoad = await spikeLoad(ctx, naive.url)
        const naiveLeads = (await portalB.status()).leads
        await naive.stop()
        const relaySide = await awaitDelivery(ctx, portalA, relay, relayLoad, startedAt)
        const result: SpikeRun = {
          relay: relaySide,
          naive: {
            ...latencyOf(naiveLoad),
            accepted: naiveLoad.ok,
            delivered: naiveLeads,
            duplicates: 0,
            lost: s.submissions - naiveLeads
          }
        }
        runs.push(result)
        ctx.progress(`spike run ${run}: relay p99 ${result.relay.p99.toFixed(2)} ms, ${result.relay.delivered} delivered,` +
          ` ${result.relay.lost} lost, all delivered after ${result.relay.secondsToDeliverAll.toFixed(1)} s; naive ` +
          `p99 ${result.naive.p99.toFixed(2)} ms, ${result.naive.delivered} delivered, ${result.naive.lost} lost`)
      } finally {
        await naive.stop()
        await relay.stop()
      }
    }
  } finally {
    await portalA.stop()
    await portalB.stop()
  }
  return runs
}

/**
 * A spike hits a relay that has been up, not one started a second before: both servers first answer
 * `warmup` submissions (the relay delivers its own), then both portals forget them. What a start
 * costs the first visitors is the start section's "first answers" figure.
 */
async function warmUp (ctx: SpikeContext, relayUrl: string, naiveUrl: string, portalA: EmulatorProcess, portalB: EmulatorProcess):
Promise<void> {
  const s = ctx.settings.spike
  for (const url of [relayUrl, naiveUrl]) {
    await runPaced({ url: `${url}/f/default`, connections: 5, total: s.warmup, perSecond: 200 })
  }
  // Bounded: the warm-up fits in the portal's burst of batch calls, a few seconds at most.
  const deadline = Date.now() + 30_000
  while ((await portalA.status()).leads < s.warmup && Date.now() < deadline) await sleep(100)
  await portalA.reset()
  await portalB.reset()
}

async function spikeLoad (ctx: SpikeContext, url: string): Promise<LoadResult> {
  const s = ctx.settings.spike
  return await runPaced({
    url: `${url}/f/default`,
    connections: s.connections,
    total: s.submissions,
    perSecond: s.submissions / s.seconds
  })
}

function latencyOf (load: LoadResult): Pick<SpikeSide, 'p50' | 'p99' | 'max'> {
  return { p50: load.latency.p50, p99: load.latency.p99, max: load.latency.max }
}

/** Accepted means stored: wait (bounded) until every accepted submission is a lead, then count. */
async function awaitDelivery (
  ctx: SpikeContext, portal: EmulatorProcess, relay: Child, load: LoadResult, startedAt: number
): Promise<SpikeRun['relay']> {
  const s = ctx.settings.spike
  const boundSeconds = Math.ceil(load.ok / ctx.settings.batchSize) / s.drainPerSecond * 3 + 30
  const deadline = Date.now() + boundSeconds * 1000
  while ((await portal.status()).leads < load.ok && Date.now() < deadline && !relay.exited()) await sleep(200)
  await sleep(300) // let the last "lead delivered" lines reach the log
  const ids = await portal.originIds()
  const distinct = new Set(ids).size
  const last = Math.max(...relay.logLines().filter(l => l.msg === 'lead delivered').map(l => Number(l.time)))
  return {
    ...latencyOf(load),
    accepted: load.ok,
    delivered: distinct,
    duplicates: ids.length - distinct,
    lost: s.submissions - distinct,
    secondsToDeliverAll: distinct >= load.ok ? (last - startedAt) / 1000 : Number.NaN
  }
}
