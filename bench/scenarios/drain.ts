/**
 * Drain: a backlog already in the outbox is delivered to the rate-limited emulator, against the
 * leaky bucket's theoretical time; the same submissions through the naive relay, which calls
 * crm.lead.add once per submission while the visitor waits and loses every call that is refused.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { EmulatorProcess } from '../lib/emulator.ts'
import { runLoad } from '../lib/load.ts'
import { cpuSeconds } from '../lib/proc.ts'
import { dropRedisKeys, redisRunUrl } from '../lib/redis.ts'
import { startNaive, startRelay } from '../lib/servers.ts'
import { drainTheorySeconds, type Settings } from '../lib/settings.ts'

export interface DrainRun {
  theorySeconds: number
  relay: {
    seconds: number
    delivered: number
    duplicates: number
    portalCalls: number
    queryLimitExceeded: number
    /** The relay's CPU time per delivered lead while it drained, in microseconds. */
    cpuPerLeadUs: number
  }
  naive: {
    seconds: number
    delivered: number
    lost: number
    portalCalls: number
    queryLimitExceeded: number
  }
  /** Two relays on one Redis outbox sharing the portal's bucket; absent without a Redis. */
  redis?: {
    seconds: number
    delivered: number
    duplicates: number
    /** Leads each relay delivered: both must take part for the shared bucket to be tested. */
    perRelay: [number, number]
    portalCalls: number
    queryLimitExceeded: number
  }
}

export interface DrainContext {
  dir: string
  settings: Settings
  /** A Redis base URL for the two-relay drain; without it that part is skipped. */
  redisUrl?: string
  progress: (line: string) => void
}

export async function drainScenario (ctx: DrainContext): Promise<DrainRun[]> {
  const s = ctx.settings.drain
  const emulator = await EmulatorProcess.start(ctx.dir, { burst: s.burst, drainPerSecond: s.drainPerSecond })
  const runs: DrainRun[] = []
  try {
    for (let run = 1; run <= ctx.settings.runs; run++) {
      const theorySeconds = drainTheorySeconds(s.backlog, s, ctx.settings.batchSize)
      const relay = await relayDrain(ctx, emulator, join(ctx.dir, `drain-${run}`), theorySeconds)
      const naive = await naiveDrain(ctx, emulator, join(ctx.dir, `drain-${run}`))
      const redis = ctx.redisUrl === undefined
        ? undefined
        : await redisDrain(
          ctx,
          emulator,
          join(ctx.dir, `drain-redis-${run}`),
          theorySeconds,
          run
        )
      runs.push({ theorySeconds, relay, naive, ...(redis === undefined ? {} : { redis }) })
      if (redis !== undefined) {
        ctx.progress(`drain run ${run}, two relays on Redis: ${redis.seconds.toFixed(2)} s, ${redis.delivered} delivered ` +
          `(${redis.perRelay.join(' + ')}), ${redis.queryLimitExceeded} QUERY_LIMIT_EXCEEDED`)
      }
      ctx.progress(`drain run ${run}: relay ${relay.seconds.toFixed(2)} s (theory ${theorySeconds} s), ${relay.delivered} delivered, ` +
        `${relay.queryLimitExceeded} QUERY_LIMIT_EXCEEDED; naive ${naive.seconds.toFixed(2)} s, ${naive.delivered} delivered,` +
        ` ${naive.lost} lost`)
    }
  } finally {
    await emulator.stop()
  }
  return runs
}

async function relayDrain (ctx: DrainContext, emulator: EmulatorProcess, dir: string, theorySeconds: number): Promise<DrainRun['relay']> {
  const s = ctx.settings.drain
  const bucket = { burst: s.burst, drainPerSecond: s.drainPerSecond }
  await emulator.reset()
  // 1. The backlog: real submissions through the intake, with delivery switched off.
  const loader = await startRelay({ dir, webhook: emulator.webhook, durability: 'full', worker: false, bucket }, 'relay-intake')
  try {
    const load = await runLoad({ url: `${loader.url}/f/default`, connections: s.connections, amount: s.backlog })
    if (load.ok !== s.backlog) {
      throw new Error(`backlog: ${load.ok} of ${s.backlog} submissions accepted (${JSON.stringify(load.statusCodes)})`)
    }
  } finally {
    await loader.stop()
  }
  // 2. The relay as deployed (delivery worker in the process) on that store.
  const relay = await startRelay({ dir, webhook: emulator.webhook, durability: 'full', worker: true, bucket }, 'relay-drain')
  try {
    const cpu0 = cpuSeconds(relay.pid)
    const deadline = Date.now() + (theorySeconds * 3 + 30) * 1000
    while ((await emulator.status()).leads < s.backlog) {
      if (Date.now() > deadline) {
        throw new Error(`drain: only ${(await emulator.status()).leads} of ${s.backlog} leads after ${theorySeconds * 3 + 30} s`)
      }
      if (relay.exited()) throw new Error(`drain: ${relay.exitReport() ?? 'the relay exited'}`)
      await sleep(200)
    }
    const cpu = cpuSeconds(relay.pid) - cpu0
    await sleep(300) // let the last "lead delivered" lines reach the log
    const delivered = relay.logLines().filter(l => l.msg === 'lead delivered')
    const last = Math.max(...delivered.map(l => Number(l.time)))
    const ids = await emulator.originIds()
    const stats = await emulator.stats()
    return {
      // From "relay ready" (its worker starts then) to the last lead it recorded as delivered, both on its clock.
      seconds: (last - relay.readyAt) / 1000,
      delivered: new Set(ids).size,
      duplicates: ids.length - new Set(ids).size,
      portalCalls: stats.requests,
      queryLimitExceeded: stats.queryLimitExceeded,
      cpuPerLeadUs: cpu / Math.max(1, delivered.length) * 1e6
    }
  } finally {
    await relay.stop()
  }
}

/** The same backlog in one Redis outbox, delivered by two relays that share the portal's bucket through Redis. */
async function redisDrain (
  ctx: DrainContext, emulator: EmulatorProcess, dir: string, theorySeconds: number, run: number
): Promise<NonNullable<DrainRun['redis']>> {
  const s = ctx.settings.drain
  const bucket = { burst: s.burst, drainPerSecond: s.drainPerSecond }
  const name = `bench-drain-${process.pid}-${run}`
  const outboxUrl = redisRunUrl(ctx.redisUrl!, name)
  await emulator.reset()
  try {
    const loader = await startRelay(
      { dir: join(dir, 'intake'), webhook: emulator.webhook, outboxUrl, durability: 'full', worker: false, bucket },
      'relay-intake'
    )
    try {
      const load = await runLoad({ url: `${loader.url}/f/default`, connections: s.connections, amount: s.backlog })
      if (load.ok !== s.backlog) {
        throw new Error(`redis backlog: ${load.ok} of ${s.backlog} submissions accepted (${JSON.stringify(load.statusCodes)})`)
      }
    } finally {
      await loader.stop()
    }
    const relays = await Promise.all(['a', 'b'].map(async n =>
      await startRelay(
        { dir: join(dir, n), webhook: emulator.webhook, outboxUrl, durability: 'full', worker: true, bucket },
        `relay-redis-${n}`
      )))
    try {
      const deadline = Date.now() + (theorySeconds * 3 + 30) * 1000
      while ((await emulator.status()).leads < s.backlog) {
        if (Date.now() > deadline) {
          throw new Error(`redis drain: only ${(await emulator.status()).leads} of ${s.backlog} leads after ${theorySeconds * 3 + 30} s`)
        }
        for (const r of relays) if (r.exited()) throw new Error(`redis drain: ${r.exitReport() ?? 'a relay exited'}`)
        await sleep(200)
      }
      await sleep(300)
      const delivered = relays.map(r => r.logLines().filter(l => l.msg === 'lead delivered'))
      const last = Math.max(...delivered.flat().map(l => Number(l.time)))
      const ids = await emulator.originIds()
      const stats = await emulator.stats()
      return {
        // From the first relay's "relay ready" to the last lead either recorded; both on this machine's clock.
        seconds: (last - Math.min(...relays.map(r => r.readyAt))) / 1000,
        delivered: new Set(ids).size,
        duplicates: ids.length - new Set(ids).size,
        perRelay: [delivered[0]!.length, delivered[1]!.length],
        portalCalls: stats.requests,
        queryLimitExceeded: stats.queryLimitExceeded
      }
    } finally {
      await Promise.all(relays.map(async r => { await r.stop() }))
    }
  } finally {
    await dropRedisKeys(ctx.redisUrl!, name)
  }
}

async function naiveDrain (ctx: DrainContext, emulator: EmulatorProcess, dir: string): Promise<DrainRun['naive']> {
  const s = ctx.settings.drain
  await emulator.reset()
  const naive = await startNaive(dir, emulator.webhook)
  try {
    const load = await runLoad({ url: `${naive.url}/f/default`, connections: s.connections, amount: s.backlog })
    const status = await emulator.status()
    const stats = await emulator.stats()
    return {
      seconds: load.seconds,
      delivered: status.leads,
      lost: s.backlog - status.leads,
      portalCalls: stats.requests,
      queryLimitExceeded: stats.queryLimitExceeded
    }
  } finally {
    await naive.stop()
  }
}
