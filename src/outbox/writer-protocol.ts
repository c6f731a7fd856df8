/** The messages between the main thread (./sqlite-threaded.ts) and the outbox writer thread (./writer-thread.ts). */
import type { SqliteWriter, WriteCounts } from './sqlite.ts'

/** The Outbox methods the writer thread performs: every write, and close. */
export type WriterMethod =
  | 'enqueuePrepared' | 'claim' | 'complete' | 'retryLater' | 'release' | 'deadLetter' | 'requeueDead'
  | 'releaseHeld' | 'discardHeld' | 'purge' | 'close'

export interface WriterRequest {
  id: number
  method: WriterMethod & keyof SqliteWriter
  args: unknown[]
  /** The main thread's clock when the call was made: the thread's handle reads this, never a clock of its own. */
  now: number
}

export interface WriterFailure { code: string, message: string }

export type WriterAnswer = { id: number, value: unknown } | { id: number, error: WriterFailure }

export type WriterReply =
  | { ready: true }
  | { ready: false, error: WriterFailure }
  /** The answers to one batch of requests, and the counters after them. */
  | { answers: WriterAnswer[], counts: WriteCounts }
  | { log: 'debug' | 'info' | 'warn' | 'error', obj: unknown, msg: string | undefined }
