/**
 * Runs the relay (src/server.ts) as a real child process, so tests can SIGKILL and restart it.
 * Resolves once the process logs "relay ready" and reports the port it bound.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface RelayProcess {
  port: number
  url: string
  child: ChildProcess
  logs: string[]
  kill: (signal?: NodeJS.Signals) => Promise<number | null>
}

export interface RelayProcessOptions {
  entry?: string
  readyMsg?: string
  timeoutMs?: number
  /** Run a built .js entry with plain node instead of tsx. */
  node?: boolean
}

export async function startRelayProcess (env: Record<string, string>, opts: RelayProcessOptions = {}): Promise<RelayProcess> {
  const child = spawn(process.execPath, [...(opts.node === true ? [] : ['--import', 'tsx']), opts.entry ?? 'src/server.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs: string[] = []
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a half-started child behind: it would outlive the test run.
      child.kill('SIGKILL')
      reject(new Error('relay did not start in time:\n' + logs.slice(-20).join('\n')))
    }, opts.timeoutMs ?? 20_000)
    const onLine = (line: string): void => {
      logs.push(line)
      if (line.includes(opts.readyMsg ?? '"relay ready"')) {
        clearTimeout(timer)
        try {
          resolve((JSON.parse(line) as { port?: number }).port ?? 0)
        } catch {
          resolve(0)
        }
      }
    }
    createInterface({ input: child.stdout! }).on('line', onLine)
    createInterface({ input: child.stderr! }).on('line', line => logs.push(line))
    exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`relay exited with ${code}:\n` + logs.slice(-20).join('\n')))
    }).catch(reject)
  })
  const port = await ready
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    logs,
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal)
      return exited
    }
  }
}
