/** Errors raised by Outbox adapters; intake answers 503 (RELAY_ERR_STORE_UNAVAILABLE) for any of them. */

export type StoreErrorCode =
  /** The store failed: I/O, disk full, locked for longer than the busy timeout, corrupt file. */
  | 'RELAY_ERR_STORE'
  /** The handle was closed. */
  | 'RELAY_ERR_STORE_CLOSED'
  /** The store was written by a newer version of the relay; refuse rather than misread it. */
  | 'RELAY_ERR_STORE_SCHEMA'
  /** The caller passed something the store cannot hold (a payload that is not JSON, a bad limit). */
  | 'RELAY_ERR_STORE_INPUT'

export class StoreError extends Error {
  constructor (readonly code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StoreError'
  }

  toJSON (): { name: string, code: StoreErrorCode, message: string } {
    return { name: this.name, code: this.code, message: this.message }
  }
}

/** Wraps a driver error, keeping it as `cause` and its own code (SQLITE_BUSY…) in the message. */
export function storeFailure (action: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err
  const detail = err instanceof Error
    ? `${(err as { code?: unknown }).code ?? err.name}: ${err.message}`
    : String(err)
  return new StoreError('RELAY_ERR_STORE', `Outbox ${action} failed (${detail})`, { cause: err })
}
