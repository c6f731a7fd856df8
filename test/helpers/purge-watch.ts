/** An outbox that records every purge it has finished: proof that the upkeep looked at the store at a given time. */
import type { Outbox, PurgeOptions } from '../../src/outbox/types.ts'

export interface PurgeWatch<T extends Outbox> {
  /** Hand this one to the worker; every other call goes to the store unchanged. */
  outbox: T
  /** The options of each purge that has finished, in order. */
  purges: PurgeOptions[]
}

export function watchPurges<T extends Outbox> (outbox: T): PurgeWatch<T> {
  const purges: PurgeOptions[] = []
  const watched = new Proxy(outbox, {
    get: (target, key) => {
      if (key === 'purge') {
        return async (opts: PurgeOptions) => {
          const result = await target.purge(opts)
          purges.push(opts)
          return result
        }
      }
      const value: unknown = Reflect.get(target, key)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
  return { outbox: watched, purges }
}
