/** The shape of one REST call, shared by the client and the helpers built on it. */
import type { z } from 'zod'
import type { BitrixTime } from './schemas.ts'

export interface CallResult<T> {
  result: T
  /** List methods: how many records match. */
  total?: number
  /** List methods: the `start` of the next page, absent on the last page. */
  next?: number
  time?: BitrixTime
}

/** Calls one method; with a schema, `result` is validated (a mismatch is a bad_reply BitrixError). */
export type CallFn = <T = unknown>(method: string, params: Record<string, unknown>, schema?: z.ZodType<T>) => Promise<CallResult<T>>
