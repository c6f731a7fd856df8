/** A relay (real HTTP, in-memory SQLite, the real worker) wired to its own emulated portal, for the extras tests. */
import { Writable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import pino from 'pino'
import { buildApp } from '../../src/app.ts'
import type { RelayConfig } from '../../src/config/schema.ts'
import type { LinkFetchDeps } from '../../src/delivery/link-fetch.ts'
import { DeliveryWorker } from '../../src/delivery/worker.ts'
import { startEmulator, type Emulator, type EmulatorOptions } from '../../src/emulator/index.ts'
import type { Counters } from '../../src/outbox/counters.ts'
import { openSqliteOutbox } from '../../src/outbox/sqlite.ts'
import type { Outbox, SubmissionRecord } from '../../src/outbox/types.ts'
import { waitFor } from '../helpers/wait-for.ts'

export interface Rig {
  emulator: Emulator
  /** The relay's address, http://127.0.0.1:<port> */
  baseUrl: string
  outbox: Outbox
  worker: DeliveryWorker
  /** Every log line the relay wrote, as JSON text. */
  logs: string[]
  /** POSTs JSON (an object) or a urlencoded string; resolves to the submission id. */
  post: (formId: string, body: Record<string, unknown> | string, headers?: Record<string, string>) => Promise<string>
  /** Waits until the submission is delivered or dead. */
  settled: (id: string, timeoutMs?: number) => Promise<SubmissionRecord>
  /** Swaps the config (a reload) and tells the worker. */
  setConfig: (config: RelayConfig) => void
  /** Stops the worker and starts a new one (same outbox, the counters given), as a restart would. */
  restartWorker: (counters?: Counters) => Promise<void>
  close: () => Promise<void>
}

export interface RigOptions {
  emulator?: EmulatorOptions
  config: (emulator: Emulator) => RelayConfig
  counters?: Counters
  /** The emulator to use instead of starting one (closed by the caller). */
  shared?: Emulator
  /** How the worker resolves file links and which addresses it takes as public. */
  linkFetch?: LinkFetchDeps
  /** The store to use instead of in-memory SQLite (a Redis outbox); closed with the rig. */
  outbox?: Outbox
}

export async function startRig (opts: RigOptions): Promise<Rig> {
  const emulator = opts.shared ?? await startEmulator({ rateLimit: false, ...opts.emulator })
  let config = opts.config(emulator)
  const logs: string[] = []
  const sink = new Writable({ write (chunk, _enc, done) { logs.push(String(chunk)); done() } })
  const logger = pino({ level: 'debug', redact: { paths: ['password', '*.password', 'webhook', '*.webhook'], censor: '[redacted]' } }, sink)
  const outbox = opts.outbox ?? await openSqliteOutbox({ path: ':memory:', durability: 'full' })
  const makeWorker = (counters?: Counters): DeliveryWorker =>
    new DeliveryWorker({ outbox, config: () => config, logger, idleMs: 20, ...(counters !== undefined ? { counters } : {}),
      ...(opts.linkFetch !== undefined ? { linkFetch: opts.linkFetch } : {}) })
  let worker = makeWorker(opts.counters)
  const app: FastifyInstance = await buildApp({ config: () => config, outbox, logger, onAccepted: id => worker.wake(id) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  worker.start()

  const rig: Rig = {
    emulator,
    baseUrl: base,
    outbox,
    get worker () { return worker },
    setConfig: (next) => { config = next; worker.reload() },
    logs,
    post: async (formId, body, headers = {}) => {
      const json = typeof body !== 'string'
      const res = await fetch(`${base}/f/${formId}`, {
        method: 'POST',
        body: json ? JSON.stringify(body) : body,
        headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }
      })
      const answer = await res.json() as { id?: string, error?: { code: string } }
      if (res.status !== 202 || answer.id === undefined) throw new Error(`intake answered ${res.status}: ${JSON.stringify(answer)}`)
      return answer.id
    },
    settled: async (id, timeoutMs = 10_000) => await waitFor(async () => {
      const rec = await outbox.get(id)
      return rec !== undefined && (rec.status === 'delivered' || rec.status === 'dead') ? rec : undefined
    }, { timeoutMs, what: `submission ${id} settled` }),
    restartWorker: async (counters) => {
      await worker.stop()
      worker = makeWorker(counters)
      worker.start()
    },
    close: async () => {
      await app.close()
      await worker.stop()
      await outbox.close()
      if (opts.shared === undefined) await emulator.close()
    }
  }
  return rig
}
