/** Start: from spawning `node dist/src/server.js` to its "relay ready" line (listening, worker started), on a fresh store. */
import { join } from 'node:path'
import type { EmulatorProcess } from '../lib/emulator.ts'
import { cpuSeconds } from '../lib/proc.ts'
import { startRelay } from '../lib/servers.ts'
import type { Settings } from '../lib/settings.ts'

export interface StartupContext {
  dir: string
  settings: Settings
  emulator: EmulatorProcess
  progress: (line: string) => void
}

export interface StartupRun {
  /** Wall-clock ms from spawn to the ready line. */
  readyMs: number
  /** CPU ms the process had used when the runner saw the ready line (a few ms late at most). */
  cpuMs: number
}

export async function startupScenario (ctx: StartupContext): Promise<StartupRun[]> {
  const runs: StartupRun[] = []
  for (let i = 1; i <= ctx.settings.startRuns; i++) {
    const relay = await startRelay({
      dir: join(ctx.dir, `start-${i}`),
      webhook: ctx.emulator.webhook,
      durability: 'full',
      worker: true,
      bucket: {
        burst: 50,
        drainPerSecond: 2
      }
    })
    const run = { readyMs: relay.readyAt - relay.spawnedAt, cpuMs: cpuSeconds(relay.pid) * 1000 }
    runs.push(run)
    await relay.stop()
    ctx.progress(`start ${i}: ready after ${run.readyMs} ms, ${Math.round(run.cpuMs)} ms of CPU`)
  }
  return runs
}
