/** Runs the writes that arrive in one event-loop turn inside a single SQLite transaction. */
import type { Database } from 'better-sqlite3'

interface Waiter {
  op: () => unknown
  resolve: (value: unknown) => void
  reject: (err: unknown) => void
}

/**
 * With synchronous=FULL every commit costs an fsync, and an fsync costs far more than the rows it
 * writes. Writes are therefore queued and run together on the next `setImmediate`: that collects
 * everything the current turn produced, including requests whose bodies were parsed in the same
 * poll phase. While a group runs (it blocks the loop) new requests pile up in the socket buffers
 * and form the next group, so the group size follows the load with no timer to tune.
 *
 * Ops run in call order, each in its own savepoint, so one that throws is rolled back and rejected
 * alone while the others commit. Ops see the writes of the ops before them, which is what keeps
 * dedupe and leases right inside a group. If SQLite aborts the whole transaction (I/O error, disk
 * full) or the commit fails, every op of the group rejects with that error and nothing is kept.
 */
export class GroupCommit {
  #queue: Waiter[] = []
  #timer: NodeJS.Immediate | undefined
  #commits = 0
  readonly #db: Database

  constructor (db: Database) {
    this.#db = db
  }

  /** Transactions committed so far. */
  get commits (): number {
    return this.#commits
  }

  run<T> (op: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ op, resolve: resolve as (value: unknown) => void, reject })
      this.#timer ??= setImmediate(() => this.flush())
    })
  }

  /** Runs whatever is queued now; `close()` calls it so nothing waits on a closed store. */
  flush (): void {
    if (this.#timer !== undefined) clearImmediate(this.#timer)
    this.#timer = undefined
    const group = this.#queue
    if (group.length === 0) return
    this.#queue = []
    const settle: Array<() => void> = []
    try {
      this.#db.transaction(() => {
        for (const w of group) {
          try {
            const value = this.#db.transaction(w.op)() // nested: a savepoint
            settle.push(() => w.resolve(value))
          } catch (err) {
            if (!this.#db.inTransaction) throw err // SQLite rolled the whole transaction back
            settle.push(() => w.reject(err))
          }
        }
      }).immediate()
    } catch (err) {
      for (const w of group) w.reject(err)
      return
    }
    this.#commits++
    for (const s of settle) s()
  }
}
