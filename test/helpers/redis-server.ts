/**
 * Redis for tests: the machine's shared server (127.0.0.1:6379) with a private key prefix per test,
 * cleaned by prefix only (never FLUSHALL), and private redis-server processes on free ports for
 * tests that stop and restart Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { redisKeyPrefix } from '../../src/outbox/redis-keys.ts'
import { waitFor } from './wait-for.ts'

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379/0'

/** A prefix name no other test uses, and the key prefix it gives ("{name}:"). */
export function randomPrefix (label = 't'): { name: string, keyPrefix: string } {
  const name = `${label}-${randomBytes(6).toString('hex')}`
  return { name, keyPrefix: redisKeyPrefix(name) }
}

/** Deletes every key under the prefix on the given server; other keys are never touched. */
export async function deletePrefix (url: string, keyPrefix: string): Promise<number> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  redis.on('error', () => {})
  try {
    await redis.connect()
    let cursor = '0'
    let deleted = 0
    // SCAN is bounded per call; the loop ends when the cursor comes back to 0 (or after 10,000 rounds).
    for (let round = 0; round < 10_000; round++) {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000)
      if (keys.length > 0) deleted += await redis.unlink(...keys)
      cursor = next
      if (cursor === '0') break
    }
    return deleted
  } finally {
    redis.disconnect()
  }
}

export async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface PrivateRedis {
  port: number
  url: string
  /** Whether it keeps an append-only file (then data survives stop/start). */
  persistent: boolean
  /** Kills the server (SIGKILL by default: what a crash looks like to clients). */
  stop: (signal?: NodeJS.Signals) => Promise<void>
  /** Starts it again on the same port and data folder. */
  start: () => Promise<void>
  /** Stops it for good and removes its folder. */
  close: () => Promise<void>
}

/**
 * A redis-server of the test's own on a free port. `persistent`: appendonly yes with appendfsync
 * always, so every acknowledged write survives a kill; otherwise nothing is kept (--save "").
 */
export async function startPrivateRedis (opts: { persistent?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'relay-redis-'))
  const persistent = opts.persistent ?? false
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    ...(persistent ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'])]
  let child: ChildProcess | undefined
  const url = `redis://127.0.0.1:${port}/0`

  const start = async (): Promise<void> => {
    const proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    child = proc
    let stderr = ''
    proc.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
    const failed = new Promise<never>((_resolve, reject) => {
      proc.once('error', err => reject(new Error(`redis-server could not start (is it installed?): ${err.message}`)))
      proc.once('exit', code => reject(new Error(`redis-server exited with ${code}: ${stderr}`)))
    })
    failed.catch(() => {})
    await Promise.race([failed, waitFor(() => ping(url), { timeoutMs: 10_000, intervalMs: 50, what: `redis-server on port ${port}` })])
  }

  const stop = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) return
    const exited = new Promise<void>(resolve => proc.once('exit', () => resolve()))
    proc.kill(signal)
    await exited
  }

  await start()
  return {
    port,
    url,
    persistent,
    stop,
    start,
    close: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

async function ping (url: string): Promise<boolean> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  redis.on('error', () => {})
  try {
    await redis.connect()
    return (await redis.ping()) === 'PONG'
  } catch {
    return false
  } finally {
    redis.disconnect()
  }
}
