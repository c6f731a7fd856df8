/**
 * Runs the servers under test as child processes (their own event loop, their own core), logging
 * to a file rather than to a pipe the load generator would have to drain.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { ROOT } from './paths.ts'

export interface Child {
  name: string
  pid: number
  port: number
  url: string
  /** Wall-clock ms just before spawn, and the `time` of the ready line the child logged. */
  spawnedAt: number
  readyAt: number
  /** The ready line itself (it may carry more, e.g. the emulator's webhook URL). */
  ready: Record<string, unknown>
  logFile: string
  /** The JSON log lines written so far (non-JSON lines are skipped). */
  logLines: () => Array<Record<string, unknown>>
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
  exited: () => boolean
  /** How it ended and the log line that says why, for an error message; undefined while it runs. */
  exitReport: () => string | undefined
}

export interface SpawnOptions {
  name: string
  /** A .js file under dist/, relative to the repository root. */
  entry: string
  /** Node flags before the entry (the relay gets those of `npm start`). */
  nodeArgs?: string[]
  env: Record<string, string>
  logFile: string
  /** The `msg` of the JSON line that says the child is ready; it must carry `port` unless `port` is given. */
  readyMsg: string
  timeoutMs?: number
}

const running = new Set<ChildProcess>()

/** Kills every child still running (the runner calls it on exit and on SIGINT). */
export function killAllChildren (): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

/** The JSON lines of a log file from byte `from` on (a file may hold the lines of earlier children). */
export function readLogLines (file: string, from = 0): Array<Record<string, unknown>> {
  let text: string
  try {
    text = readFileSync(file).subarray(from).toString('utf8')
  } catch {
    return []
  }
  const lines: Array<Record<string, unknown>> = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>)
    } catch {
      // a line still being written
    }
  }
  return lines
}

export async function spawnChild (opts: SpawnOptions): Promise<Child> {
  const fd = openSync(opts.logFile, 'a')
  const from = fstatSync(fd).size
  const spawnedAt = Date.now()
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), opts.entry], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...opts.env },
    stdio: ['ignore', fd, fd]
  })
  closeSync(fd)
  running.add(child)
  let exitCode: number | null | undefined
  let exitSignal: string | null = null
  const exited = new Promise<number | null>(resolve => child.once('exit', (code, signal) => {
    exitCode = code
    exitSignal = signal
    running.delete(child)
    resolve(code)
  }))

  const deadline = Date.now() + (opts.timeoutMs ?? 20_000)
  let ready: Record<string, unknown> | undefined
  while (ready === undefined) {
    if (exitCode !== undefined) throw new Error(`${opts.name} exited with ${String(exitCode)} before it was ready:\n${tail(opts.logFile)}`)
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`${opts.name} was not ready in time:\n${tail(opts.logFile)}`)
    }
    ready = readLogLines(opts.logFile, from).find(l => l.msg === opts.readyMsg)
    if (ready === undefined) await sleep(5)
  }
  const port = Number(ready.port)
  if (!Number.isInteger(port) || port <= 0) throw new Error(`${opts.name}: the ready line carries no port`)

  return {
    name: opts.name,
    pid: child.pid ?? 0,
    port,
    url: `http://127.0.0.1:${port}`,
    spawnedAt,
    readyAt: Number(ready.time),
    ready,
    logFile: opts.logFile,
    logLines: () => readLogLines(opts.logFile, from),
    exited: () => exitCode !== undefined,
    exitReport: () => exitCode === undefined
      ? undefined
      : `${opts.name} exited (code ${String(exitCode)}, signal ${String(exitSignal)}); ${lastWords(readLogLines(opts.logFile, from))}`,
    stop: async (signal = 'SIGTERM') => {
      if (exitCode !== undefined) return exitCode
      child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
      const code = await exited
      clearTimeout(timer)
      return code
    }
  }
}

/** The line that says why a child stopped: a fatal or error line, or its shutdown line, else its last line. */
function lastWords (lines: Array<Record<string, unknown>>): string {
  const telling = lines.filter(l => Number(l.level) >= 50 || /shutting down/.test(String(l.msg)))
  const line = telling.at(-1) ?? lines.at(-1)
  return line === undefined ? 'it logged nothing' : `it logged: ${JSON.stringify(line).slice(0, 300)}`
}

function tail (file: string): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n')
  } catch {
    return '(no log)'
  }
}
