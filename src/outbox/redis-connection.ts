/**
 * The relay's Redis connections: they fail fast while Redis is away (the intake answers 503 instead
 * of hanging), reconnect by themselves forever, and log an outage once rather than once per request.
 */
import { Redis } from 'ioredis'
import { StoreError } from './errors.ts'
import type { OutboxLogger } from './types.ts'

export interface RedisConnectOptions {
  url: string
  log: OutboxLogger
  /** How long opening waits for a first answer; default 10 s. */
  connectTimeoutMs?: number
  /** How long any command may wait for its answer before it fails; default 5 s. */
  commandTimeoutMs?: number
  /** Runs after every reconnect (not the first connect), e.g. to check the server's persistence again. */
  onReconnect?: () => void
  /**
   * `worker`: the connection BullMQ Workers share. BullMQ requires `maxRetriesPerRequest: null` on
   * it (it duplicates it for its blocking connection); the outbox never blocks (getNextJob with
   * `block: false`), and without the offline queue and resending it still fails fast.
   */
  role?: 'commands' | 'worker'
}

export async function connectRedis (opts: RedisConnectOptions): Promise<Redis> {
  const { log } = opts
  const worker = opts.role === 'worker'
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    connectionName: worker ? 'b24-form-relay-worker' : 'b24-form-relay',
    // Commands issued while disconnected fail at once, and a command in flight when the connection
    // drops is failed rather than resent: an enqueue that may not have been stored must not be
    // answered 2xx, and the client retries it (the dedupe key makes that safe).
    enableOfflineQueue: false,
    maxRetriesPerRequest: worker ? null : 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: opts.commandTimeoutMs ?? 5000,
    connectTimeout: 5000,
    enableAutoPipelining: true,
    retryStrategy: times => Math.min(times * 100, 2000)
  })

  let opened = false
  let down = false
  redis.on('error', (err: Error) => {
    if (!opened) return
    if (!down) {
      log.error({ err: { message: err.message, code: (err as { code?: string }).code } },
        'Redis connection lost; submissions are refused (503) until it is back')
    }
    down = true
  })
  redis.on('close', () => {
    if (opened && !down) log.error({}, 'Redis connection closed; submissions are refused (503) until it is back')
    if (opened) down = true
  })
  redis.on('ready', () => {
    if (!opened) return
    if (down) log.info({}, 'Redis connection restored')
    down = false
    opts.onReconnect?.()
  })

  const timeoutMs = opts.connectTimeoutMs ?? 10_000
  let lastError = 'no answer'
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms (${lastError})`)), timeoutMs)
      const onError = (err: Error): void => { lastError = err.message }
      redis.on('error', onError)
      redis.once('ready', () => {
        clearTimeout(timer)
        redis.off('error', onError)
        resolve()
      })
      redis.connect().catch(onError)
    })
  } catch (err) {
    redis.disconnect()
    throw new StoreError('RELAY_ERR_STORE', `Cannot reach Redis at ${maskUrl(opts.url)}: ${(err as Error).message}`, { cause: err })
  }
  opened = true
  return redis
}

/** The URL without its password, for messages and logs. */
export function maskUrl (url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@')
}
