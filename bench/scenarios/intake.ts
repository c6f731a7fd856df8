/**
 * Intake: requests per second and latency of POST /f/:formId at a fixed number of connections,
 * the relay (its delivery worker running against the rate-limited emulator) against bare Fastify,
 * with resident memory idle and under load and the server's CPU use.
 */
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Child } from '../lib/children.ts'
import type { EmulatorProcess } from '../lib/emulator.ts'
import { runLoad } from '../lib/load.ts'
import { cpuSeconds, rssMb, sampleRss } from '../lib/proc.ts'
import { dropRedisKeys, redisRunUrl } from '../lib/redis.ts'
import { startBare, startRelay } from '../lib/servers.ts'
import type { Settings } from '../lib/settings.ts'

export type IntakeTargetKey = 'bare' | 'relay-full' | 'relay-relaxed' | 'relay-redis'

export interface IntakeTarget {
  key: IntakeTargetKey
  start: (dir: string, run: number) => Promise<Child>
  /** Removes what the run left outside its folder (the Redis keys). */
  cleanup?: (run: number) => Promise<void>
}

export interface IntakeRun {
  rps: number
  p50: number
  p99: number
  max: number
  requests: number
  failed: number
  /** Share of one core the server used during the measured window. */
  cpu: number
  /** Server CPU time per answered request, in microseconds: less sensitive to a busy machine than req/s. */
  cpuPerRequestUs: number
  rssIdleMb: number
  rssPeakMb: number
}

export interface IntakeContext {
  dir: string
  settings: Settings
  emulator: EmulatorProcess
  /** The redis:// base URL when the Redis outbox can be opened, else undefined. */
  redisUrl: string | undefined
  progress: (line: string) => void
}

export function intakeTargets (ctx: IntakeContext): IntakeTarget[] {
  const relay = (durability: 'full' | 'relaxed', outboxUrl?: string) => async (dir: string) => await startRelay({
    dir,
    webhook: ctx.emulator.webhook,
    durability,
    worker: true,
    bucket: { burst: 50, drainPerSecond: 2 },
    ...(outboxUrl !== undefined ? { outboxUrl } : {})
  })
  const targets: IntakeTarget[] = [
    { key: 'bare', start: startBare },
    { key: 'relay-full', start: relay('full') },
    { key: 'relay-relaxed', start: relay('relaxed') }
  ]
  const base = ctx.redisUrl
  if (base !== undefined) {
    const name = (run: number): string => `bench-${process.pid}-${run}`
    targets.push({
      key: 'relay-redis',
      start: async (dir, run) => await relay('full', redisRunUrl(base, name(run)))(dir),
      cleanup: async run => { await dropRedisKeys(base, name(run)) }
    })
  }
  return targets
}

/** Runs every target `runs` times, interleaved (A B C A B C …) so drift on the machine hits all of them alike. */
export async function intakeScenario (ctx: IntakeContext): Promise<Map<IntakeTargetKey, IntakeRun[]>> {
  const { intake } = ctx.settings
  const out = new Map<IntakeTargetKey, IntakeRun[]>()
  const targets = intakeTargets(ctx)
  for (let run = 1; run <= ctx.settings.runs; run++) {
    for (const target of targets) {
      await ctx.emulator.reset()
      const server = await target.start(join(ctx.dir, `intake-${target.key}-${run}`), run)
      try {
        await sleep(1000)
        const rssIdleMb = rssMb(server.pid)
        if (intake.warmupSeconds > 0) {
          await runLoad({ url: `${server.url}/f/default`, connections: intake.connections, duration: intake.warmupSeconds })
        }
        const sampler = sampleRss(server.pid)
        const cpu0 = cpuSeconds(server.pid)
        const load = await runLoad({ url: `${server.url}/f/default`, connections: intake.connections, duration: intake.seconds })
        const cpuUsed = cpuSeconds(server.pid) - cpu0
        const cpu = cpuUsed / load.seconds
        const rss = sampler.stop()
        const exit = server.exitReport()
        if (exit !== undefined) throw new Error(`during the load, ${exit}`)
        const result: IntakeRun = {
          rps: load.rps,
          p50: load.latency.p50,
          p99: load.latency.p99,
          max: load.latency.max,
          requests: load.sent,
          failed: load.non2xx + load.errors,
          cpu,
          cpuPerRequestUs: cpuUsed / Math.max(1, load.ok + load.non2xx) * 1e6,
          rssIdleMb,
          rssPeakMb: rss.peak
        }
        out.set(target.key, [...(out.get(target.key) ?? []), result])
        ctx.progress(`intake ${target.key} run ${run}: ${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, ` +
          `p99 ${result.p99.toFixed(2)} ms, failed ${result.failed}, cpu ${(cpu * 100).toFixed(0)}% ` +
          `(${Math.round(result.cpuPerRequestUs)} µs/req), rss ${rssIdleMb.toFixed(0)}→${rss.peak.toFixed(0)} MB`)
      } finally {
        await server.stop()
        await target.cleanup?.(run)
      }
    }
  }
  return out
}
