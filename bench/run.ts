/**
 * `npm run bench`: runs the intake, drain, spike, start and flood scenarios against built servers in
 * child processes and writes the report. `--quick` runs them small (CI), `--out <file>` writes elsewhere,
 * `--only intake,drain,spike,start,flood` picks scenarios, `--keep` keeps bench/tmp/<run>/ (logs, stores).
 * Exits 1 when a scenario crashed; the numbers themselves are never judged here.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { killAllChildren } from './lib/children.ts'
import { EmulatorProcess } from './lib/emulator.ts'
import { describeMachine } from './lib/machine.ts'
import { ROOT, TMP } from './lib/paths.ts'
import { probeRedisOutbox } from './lib/redis.ts'
import { FULL, QUICK } from './lib/settings.ts'
import { renderResults, type Results } from './report.ts'
import { drainScenario } from './scenarios/drain.ts'
import { floodScenario } from './scenarios/flood.ts'
import { intakeScenario } from './scenarios/intake.ts'
import { spikeScenario } from './scenarios/spike.ts'
import { startupScenario } from './scenarios/startup.ts'

const SCENARIOS = ['intake', 'start', 'drain', 'spike', 'flood'] as const
type Scenario = typeof SCENARIOS[number]

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    only: { type: 'string' },
    keep: { type: 'boolean', default: false }
  }
})

const settings = values.quick === true ? QUICK : FULL
const only = new Set((values.only ?? SCENARIOS.join(',')).split(',').map(s => s.trim()))
for (const name of only) {
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    throw new Error(`--only: unknown scenario "${name}" (known: ${SCENARIOS.join(', ')})`)
  }
}
const outFile = resolve(values.out ?? (settings.mode === 'full' ? join(ROOT, 'bench', 'RESULTS.md') : join(TMP, 'RESULTS-quick.md')))
const dir = join(TMP, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`)
const progress = (line: string): void => { process.stderr.write(`[bench] ${line}\n`) }

process.once('SIGINT', () => { killAllChildren(); process.exit(130) })
process.once('exit', killAllChildren)

async function main (): Promise<number> {
  mkdirSync(dir, { recursive: true })
  const startedAt = Date.now()
  const machine = describeMachine()
  const redis = await probeRedisOutbox(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0')
  progress(`${settings.mode} mode, ${settings.runs} run(s) per figure; ${machine.cores} × ${machine.cpuModel}, Node ${machine.node}; ` +
    `redis outbox ${redis.ok ? 'available' : 'not available'}`)
  const results: Results = { settings, machine, redis, failures: {}, totalSeconds: 0 }

  const attempt = async (name: Scenario, fn: () => Promise<void>): Promise<void> => {
    if (!only.has(name)) return
    const t0 = Date.now()
    try {
      await fn()
      progress(`${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    } catch (err) {
      results.failures[name] = err instanceof Error ? (err.stack ?? err.message) : String(err)
      progress(`${name} FAILED: ${results.failures[name]}`)
    }
  }

  if (only.has('intake') || only.has('start')) {
    const emulator = await EmulatorProcess.start(dir, { burst: 50, drainPerSecond: 2 })
    try {
      await attempt('intake', async () => {
        results.intake = await intakeScenario({ dir, settings, emulator, redisUrl: redis.ok ? redis.base : undefined, progress })
      })
      await attempt('start', async () => {
        results.start = await startupScenario({ dir, settings, emulator, progress })
      })
    } finally {
      await emulator.stop()
    }
  }
  await attempt(
    'drain',
    async () => { results.drain = await drainScenario({ dir, settings, redisUrl: redis.ok ? redis.base : undefined, progress }) }
  )
  await attempt('spike', async () => { results.spike = await spikeScenario({ dir, settings, progress }) })
  await attempt('flood', async () => { results.flood = await floodScenario({ dir, settings, progress }) })

  results.totalSeconds = (Date.now() - startedAt) / 1000
  mkdirSync(resolve(outFile, '..'), { recursive: true })
  writeFileSync(outFile, renderResults(results))
  progress(`report written to ${outFile}`)
  const failed = Object.keys(results.failures)
  if (failed.length > 0 || values.keep === true) progress(`logs and stores kept in ${dir}`)
  else rmSync(dir, { recursive: true, force: true })
  if (failed.length > 0) progress(`FAILED: ${failed.join(', ')}`)
  return failed.length > 0 ? 1 : 0
}

main().then(code => { process.exitCode = code }, err => {
  progress(`crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`)
  process.exitCode = 1
})
