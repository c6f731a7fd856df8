/** The `batch` method: up to 50 commands in one HTTP request (one token of the portal's bucket). */
import qs from 'qs'
import { z } from 'zod'
import { pauseEvery } from '../event-loop/next-turn.ts'
import { BitrixUsageError } from './errors.ts'
import { assertMethodName } from './method-name.ts'
import { batchResultSchema, type BitrixTime } from './schemas.ts'
import type { CallFn } from './call.ts'

export const MAX_BATCH_COMMANDS = 50

export interface BatchCommand {
  /** Names the command in the reply; unique within one batch. */
  key: string
  method: string
  params: Record<string, unknown>
}

export interface BatchCommandError {
  error: string
  description: string
  /** OPERATION_TIME_LIMIT only: the timing that says when the method is unblocked (see withResetTime). */
  time?: BitrixTime
}

export interface BatchReply {
  /** Successful commands by key. */
  results: Record<string, unknown>
  /** Failed commands by key. A key in neither map was not run (halt) or its fate is unknown. */
  errors: Record<string, BatchCommandError>
  /** `total` of list commands by key. */
  totals: Record<string, number>
  /** `next` of list commands that have more pages, by key. */
  nexts: Record<string, number>
}

// PHP's parse_str reads the command string: keys need their brackets literal and everything else
// percent-encoded ("=" or "&" inside a key such as "=ORIGINATOR_ID" would otherwise split the pair).
const stringifyOptions: qs.IStringifyOptions = {
  arrayFormat: 'indices',
  format: 'RFC3986',
  encoder: (str: unknown, defaultEncoder: qs.defaultEncoder, charset: string, type: 'key' | 'value') => {
    const encoded: string = defaultEncoder(str, defaultEncoder, charset)
    return type === 'key' ? encoded.replace(/%5B/gi, '[').replace(/%5D/gi, ']') : encoded
  }
}

/** `crm.lead.add?fields[TITLE]=A&fields[PHONE][0][VALUE]=1&params[REGISTER_SONET_EVENT]=Y` */
export function buildBatchCommand (method: string, params: Record<string, unknown>): string {
  assertMethodName(method)
  const query = qs.stringify(params, stringifyOptions)
  return query === '' ? method : `${method}?${query}`
}

// A type alias, not an interface: it is passed where a params record is expected.
export type BatchPayload = { halt: 0 | 1, cmd: Record<string, string> }

/**
 * The JSON body of a batch call; rejects with BitrixUsageError for more than 50 commands or
 * duplicate keys. Encoded a few commands per event-loop turn: 50 commands take about 1.5 ms of CPU,
 * which visitors posting meanwhile would otherwise wait on top of their own answer.
 */
export async function buildBatchPayload (commands: BatchCommand[], halt: boolean): Promise<BatchPayload> {
  if (commands.length > MAX_BATCH_COMMANDS) {
    // The portal would answer ERROR_BATCH_LENGTH_EXCEEDED for the extra commands and not run them.
    throw new BitrixUsageError(`a batch takes at most ${MAX_BATCH_COMMANDS} commands, got ${commands.length}`)
  }
  const cmd: Record<string, string> = {}
  for (const [i, command] of commands.entries()) {
    if (command.key === '' || Object.hasOwn(cmd, command.key)) {
      throw new BitrixUsageError(`batch command key "${command.key}" is empty or used twice`)
    }
    cmd[command.key] = buildBatchCommand(command.method, command.params)
    await pauseEvery(i)
  }
  return { halt: halt ? 1 : 0, cmd }
}

const batchReplySchema = batchResultSchema.transform((r) => ({
  results: r.result,
  errors: r.result_error as Record<string, BatchCommandError>,
  totals: r.result_total,
  nexts: r.result_next,
  times: r.result_time
}))

/**
 * Live portals answer a command blocked by OPERATION_TIME_LIMIT with only error and description,
 * `result_time: []`, and the reset time (up to 10 minutes away) only in the outer `time`. The
 * command's own timing wins when it has one; else the outer one is attached to the error.
 */
function withResetTime (errors: Record<string, BatchCommandError>, times: Record<string, BitrixTime>,
  outer: BitrixTime | undefined): Record<string, BatchCommandError> {
  const out: Record<string, BatchCommandError> = {}
  for (const [key, entry] of Object.entries(errors)) {
    const own = Object.hasOwn(times, key) ? times[key] : undefined
    const time = own?.operating_reset_at !== undefined ? own : outer
    out[key] = entry.error.toUpperCase() === 'OPERATION_TIME_LIMIT' && time?.operating_reset_at !== undefined ? { ...entry, time } : entry
  }
  return out
}

export async function runBatch (call: CallFn, commands: BatchCommand[], opts: { halt?: boolean } = {}): Promise<BatchReply> {
  const payload = await buildBatchPayload(commands, opts.halt ?? false)
  if (commands.length === 0) return { results: {}, errors: {}, totals: {}, nexts: {} }
  const reply = await call('batch', payload, batchReplySchema as z.ZodType<BatchReply & { times: Record<string, BitrixTime> }>)
  const { times, ...rest } = reply.result
  return { ...rest, errors: withResetTime(rest.errors, times, reply.time) }
}
