/**
 * The SQLite Outbox with its writes on a thread of their own. Every write (enqueue, claim and the
 * delivery reports, purges) is sent to the writer thread (./writer-thread.ts), which owns one
 * connection and group-commits there with the same fsync as before; this thread only waits for the
 * answer, so it goes on parsing and answering other requests while the disk syncs. Reads and the
 * admin adapter use a second connection on this thread: WAL readers never wait for the writer.
 *
 * An enqueue is prepared here (id drawn, JSON written, input checked), so the thread is handed
 * strings, and a bad payload is refused before it reaches the group.
 */
import { Worker } from 'node:worker_threads'
import { StoreError, type StoreErrorCode } from './errors.ts'
import { checkClaim, checkLeadId, checkLimit, prepareSubmission } from './input.ts'
import { openSqliteOutbox, type SqliteDebugStats, type SqliteOutbox, type SqliteOutboxOptions, type WriteCounts } from './sqlite.ts'
import type { OutboxClock, OutboxLogger } from './types.ts'
import type { WriterFailure, WriterMethod, WriterReply, WriterRequest } from './writer-protocol.ts'

/** A private memory store lives in one connection, so it cannot be shared with a thread: it stays in-process. */
export interface ThreadedSqliteOutbox extends SqliteOutbox {
  /** Ends the writer thread as a crash of it would (fault drills); the next write starts a new one. */
  killWriter?: () => Promise<void>
}

export async function openThreadedSqliteOutbox (opts: SqliteOutboxOptions): Promise<ThreadedSqliteOutbox> {
  if (opts.path === ':memory:' || opts.path.startsWith('file:')) return await openSqliteOutbox(opts)
  const reader = await openSqliteOutbox(opts) // creates and migrates the file first
  try {
    const writer = await WriterThread.start(opts)
    return threadedOutbox(reader, writer, async () => await WriterThread.start(opts), opts.clock ?? Date.now)
  } catch (err) {
    await reader.close()
    throw err
  }
}

const silent: OutboxLogger = { debug () {}, info () {}, warn () {}, error () {} }

function threadedOutbox (
  reader: SqliteOutbox, first: WriterThread, restart: () => Promise<WriterThread>, clock: OutboxClock
): ThreadedSqliteOutbox {
  let closed = false
  let writer = first
  let restarting: Promise<WriterThread> | undefined
  const open = (): void => { if (closed) throw new StoreError('RELAY_ERR_STORE_CLOSED', 'The outbox is closed') }
  // A thread that died (out of memory, a native fault) failed the writes it held, unacknowledged;
  // the next write starts a new one rather than leaving the intake at 503 until a restart.
  const restarted = async (): Promise<WriterThread> => {
    restarting ??= restart().then(next => { writer = next; return next }).finally(() => { restarting = undefined })
    return await restarting
  }
  // Sent in the same turn as called (no await before the call): writes reach the thread in call order, close() last.
  // The time is read here, when the call is made, as the in-process handle reads it.
  const write = async <T>(method: WriterMethod, args: unknown[]): Promise<T> => {
    open()
    const now = clock()
    if (!writer.failed) return await writer.call(method, args, now) as T
    return await (await restarted()).call(method, args, now) as T
  }
  return {
    enqueue: async sub => {
      open()
      return await write('enqueuePrepared', [prepareSubmission(sub, clock())])
    },
    claim: async opts => {
      open()
      checkClaim(opts)
      return await write('claim', [opts])
    },
    complete: async (id, token, result) => {
      checkLeadId(result.leadId)
      if (result.dealId !== undefined) checkLeadId(result.dealId)
      return await write('complete', [id, token, result])
    },
    retryLater: async (id, token, opts) => await write('retryLater', [id, token, opts]),
    release: async (id, token) => await write('release', [id, token]),
    deadLetter: async (id, token, error) => await write('deadLetter', [id, token, error]),
    requeueDead: async id => await write('requeueDead', [id]),
    releaseHeld: async opts => {
      open()
      checkLimit('releaseHeld', opts.limit)
      return await write('releaseHeld', [opts])
    },
    discardHeld: async opts => {
      open()
      checkLimit('discardHeld', opts.limit)
      return await write('discardHeld', [opts])
    },
    purge: async opts => {
      open()
      checkLimit('purge', opts.limit)
      return await write('purge', [opts])
    },
    get: async id => await reader.get(id),
    listDead: async opts => await reader.listDead(opts),
    stats: async () => await reader.stats(),
    heldSummary: async () => await reader.heldSummary(),
    usage: async () => await reader.usage(),
    close: async () => {
      if (closed) return
      closed = true
      try {
        await writer.close()
      } finally {
        await reader.close()
      }
    },
    connection: () => reader.connection(),
    killWriter: async () => { await writer.kill() },
    debugStats: (): SqliteDebugStats => ({ ...reader.debugStats(), ...writer.counts })
  }
}

/** One worker thread running ./writer-thread.ts, and the calls waiting for its answers. */
class WriterThread {
  readonly #worker: Worker
  readonly #log: OutboxLogger
  readonly #pending = new Map<number, { resolve: (value: unknown) => void, reject: (err: unknown) => void }>()
  #nextId = 1
  #outgoing: WriterRequest[] = []
  #sendTimer: NodeJS.Immediate | undefined
  #failure: StoreError | undefined
  #closing = false

  /** True once the thread died or failed; it takes no more calls. */
  get failed (): boolean {
    return this.#failure !== undefined
  }

  counts: WriteCounts = { groupCommits: 0, enqueued: 0, duplicates: 0 }

  private constructor (worker: Worker, log: OutboxLogger) {
    this.#worker = worker
    this.#log = log
  }

  static async start (opts: SqliteOutboxOptions): Promise<WriterThread> {
    // A function cannot cross to the thread: the clock stays here and each request carries its time.
    const { logger, clock: _clock, ...data } = opts
    const source = import.meta.url.endsWith('.ts')
    const entry = new URL(source ? './writer-thread.ts' : './writer-thread.js', import.meta.url)
    // Run from the sources (tests, tsx): the thread registers the same TypeScript loader before it loads its module.
    const worker = new Worker(source ? tsxBootstrap(entry) : entry, {
      ...(source ? { eval: true } : {}),
      workerData: data,
      // Its heap holds one group of rows at a time; a small young generation keeps the thread's memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
      stdout: false,
      stderr: false
    })
    const thread = new WriterThread(worker, logger ?? silent)
    await thread.#ready()
    return thread
  }

  async #ready (): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void =>
        reject(new StoreError('RELAY_ERR_STORE', `The outbox writer thread exited (${code}) before it opened`))
      this.#worker.once('exit', onExit)
      this.#worker.once('error', reject)
      this.#worker.once('message', (reply: WriterReply) => {
        this.#worker.off('exit', onExit)
        this.#worker.off('error', reject)
        if ('ready' in reply && reply.ready) resolve()
        else reject(toStoreError('error' in reply ? reply.error : { code: 'RELAY_ERR_STORE', message: 'unexpected first message' }))
      })
    })
    this.#worker.on('message', (reply: WriterReply) => this.#onReply(reply))
    this.#worker.on('error', err =>
      this.#fail(new StoreError('RELAY_ERR_STORE', `The outbox writer thread failed: ${err.message}`, { cause: err })))
    this.#worker.on('exit', code => {
      if (!this.#closing) this.#fail(new StoreError('RELAY_ERR_STORE', `The outbox writer thread exited (${code})`))
    })
    this.#worker.unref()
  }

  call (method: WriterMethod, args: unknown[], now: number): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      // Referenced only while an answer is due: an idle writer never keeps the process alive.
      if (this.#pending.size === 0) this.#worker.ref()
      this.#pending.set(id, { resolve, reject })
      this.#outgoing.push({ id, method, args, now })
      // Everything this turn produced goes in one message: one wake-up of the thread, one group.
      this.#sendTimer ??= setImmediate(() => this.#send())
    })
  }

  #send (): void {
    this.#sendTimer = undefined
    const batch = this.#outgoing
    this.#outgoing = []
    if (batch.length > 0 && this.#failure === undefined) this.#worker.postMessage(batch)
  }

  async close (): Promise<void> {
    if (this.#failure === undefined) {
      try {
        await this.call('close', [], 0) // queued behind every write sent before it: they commit first
      } finally {
        this.#closing = true
        await this.#worker.terminate()
      }
    }
  }

  async kill (): Promise<void> {
    await this.#worker.terminate()
  }

  #onReply (reply: WriterReply): void {
    if ('log' in reply) {
      this.#log[reply.log](reply.obj as object, reply.msg ?? '')
      return
    }
    if (!('answers' in reply)) return
    this.counts = reply.counts
    for (const answer of reply.answers) {
      const waiter = this.#pending.get(answer.id)
      if (waiter === undefined) continue
      this.#pending.delete(answer.id)
      if ('error' in answer) waiter.reject(toStoreError(answer.error))
      else waiter.resolve(answer.value)
    }
    if (this.#pending.size === 0) this.#worker.unref()
  }

  // A thread that died takes no more writes: each call answers RELAY_ERR_STORE (intake: 503), and
  // nothing is acknowledged that was not committed.
  #fail (err: StoreError): void {
    this.#failure ??= err
    this.#log.error({ err: { code: err.code, message: err.message } }, 'outbox writer thread stopped')
    for (const waiter of this.#pending.values()) waiter.reject(err)
    this.#pending.clear()
    this.#outgoing = []
    this.#worker.unref()
  }
}

function tsxBootstrap (entry: URL): string {
  return `import('tsx/esm/api').then(tsx => { tsx.register(); return import(${JSON.stringify(entry.href)}) })`
}

function toStoreError (failure: WriterFailure): StoreError {
  return new StoreError(failure.code as StoreErrorCode, failure.message)
}
