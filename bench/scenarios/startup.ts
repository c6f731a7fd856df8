/**
 * Start: from spawning `node dist/src/server.js` to its "relay ready" line (listening, worker started), on a fresh store;
 * then what the first visitors wait.
 */
import { join } from 'node:path'
import { Pool } from 'undici'
import type { EmulatorProcess } from '../lib/emulator.ts'
import { FORM_HEADERS, uniqueFormBody } from '../lib/load.ts'
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
  /** ms of each of the first FIRST_ANSWERS submissions after the ready line, sent one after another. */
  firstAnswersMs: number[]
}

/** What the first visitors after a start wait: the first few posts, one at a time, right after "relay ready". */
const FIRST_ANSWERS = 5

async function firstAnswers (url: string): Promise<number[]> {
  const pool = new Pool(url, { connections: 1 })
  const times: number[] = []
  try {
    for (let i = 0; i < FIRST_ANSWERS; i++) {
      const sentAt = performance.now()
      const res = await pool.request({ path: '/f/default', method: 'POST', headers: FORM_HEADERS, body: uniqueFormBody() })
      await res.body.dump()
      times.push(performance.now() - sentAt)
    }
  } finally {
    await pool.close()
  }
  return times
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
    const readyMs = relay.readyAt - relay.spawnedAt
    const cpuMs = cpuSeconds(relay.pid) * 1000
    const run = { readyMs, cpuMs, firstAnswersMs: await firstAnswers(relay.url) }
    runs.push(run)
    await relay.stop()
    ctx.progress(`start ${i}: ready after ${run.readyMs} ms, ${Math.round(run.cpuMs)} ms of CPU; first answers ` +
      `${run.firstAnswersMs.map(ms => ms.toFixed(1)).join(', ')} ms`)
  }
  return runs
}
