/**
 * The body of the outbox writer thread (started by ./sqlite-threaded.ts): it owns the SQLite
 * connection that performs every write, so the fsync of each group commit stops this thread and
 * not the event loop that answers visitors.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { openSqliteOutbox, type SqliteOutboxOptions, type SqliteWriter } from './sqlite.ts'
import type { OutboxLogger } from './types.ts'
import type { WriterAnswer, WriterFailure, WriterReply, WriterRequest } from './writer-protocol.ts'

const port = parentPort
if (port === null) throw new Error('writer-thread.ts runs only as a worker thread')
const options = workerData as Omit<SqliteOutboxOptions, 'logger' | 'clock'>

// Errors do not survive structured cloning with their codes: send them as plain fields.
const plain = (obj: unknown): unknown => JSON.parse(JSON.stringify(obj ?? {}, (_key, value: unknown) => value instanceof Error
  ? { type: value.name, code: (value as { code?: unknown }).code, message: value.message }
  : value)) as unknown

const forward = (level: keyof OutboxLogger): OutboxLogger['info'] => (obj: unknown, msg?: string) => {
  // The main thread's own handle on the file already said it opened.
  if (msg === 'outbox opened') return
  port.postMessage({ log: level, obj: plain(obj), msg } satisfies WriterReply)
}
const logger: OutboxLogger = { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') }

let outbox: SqliteWriter | undefined
// The clock lives on the main thread (tests inject theirs there): each request carries its time, and
// the handle reads its clock synchronously when a call starts, so setting it just before the call is enough.
let requestTime = 0
const clock = (): number => requestTime

async function answer (req: WriterRequest, writer: SqliteWriter): Promise<WriterAnswer> {
  try {
    const call = writer[req.method] as (...args: unknown[]) => Promise<unknown>
    requestTime = req.now
    return { id: req.id, value: await call.apply(writer, req.args) }
  } catch (err) {
    return { id: req.id, error: failure(err) }
  }
}

function failure (err: unknown): WriterFailure {
  const e = err as { code?: unknown, message?: unknown }
  return { code: String(e.code ?? 'RELAY_ERR_STORE'), message: String(e.message ?? err) }
}

try {
  outbox = await openSqliteOutbox({ ...options, logger, clock })
  port.postMessage({ ready: true } satisfies WriterReply)
} catch (err) {
  port.postMessage({ ready: false, error: failure(err) } satisfies WriterReply)
}

// One message per batch each way: the main thread sends what one of its turns produced, and the
// whole batch joins one group commit here and is answered together once it has committed.
port.on('message', (batch: WriterRequest[]) => {
  const writer = outbox
  if (writer === undefined) {
    const error = { code: 'RELAY_ERR_STORE', message: 'The outbox writer did not open' }
    const counts = { groupCommits: 0, enqueued: 0, duplicates: 0 }
    port.postMessage({ answers: batch.map(req => ({ id: req.id, error })), counts } satisfies WriterReply)
    return
  }
  // The main thread ends this thread once close() has answered. answer() never rejects; a reply that
  // cannot be posted is thrown outside the promise, ending this thread, and the main thread fails the waiting calls.
  Promise.all(batch.map(async req => await answer(req, writer)))
    .then(answers => port.postMessage({ answers, counts: writer.writeCounts() } satisfies WriterReply))
    .catch((err: unknown) => { setImmediate(() => { throw err }) })
})
