/** The `batch` method: up to 50 commands in one HTTP request (one token of the portal's bucket). */
import qs from 'qs'
import { z } from 'zod'
import { BitrixUsageError } from './errors.ts'
import { assertMethodName } from './method-name.ts'
import { batchResultSchema } from './schemas.ts'
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

/** The JSON body of a batch call; throws BitrixUsageError for more than 50 commands or duplicate keys. */
export function buildBatchPayload (commands: BatchCommand[], halt: boolean): { halt: 0 | 1, cmd: Record<string, string> } {
  if (commands.length > MAX_BATCH_COMMANDS) {
    // The portal would answer ERROR_BATCH_LENGTH_EXCEEDED for the extra commands and not run them.
    throw new BitrixUsageError(`a batch takes at most ${MAX_BATCH_COMMANDS} commands, got ${commands.length}`)
  }
  const cmd: Record<string, string> = {}
  for (const command of commands) {
    if (command.key === '' || Object.hasOwn(cmd, command.key)) {
      throw new BitrixUsageError(`batch command key "${command.key}" is empty or used twice`)
    }
    cmd[command.key] = buildBatchCommand(command.method, command.params)
  }
  return { halt: halt ? 1 : 0, cmd }
}

const batchReplySchema = batchResultSchema.transform((r): BatchReply => ({
  results: r.result,
  errors: r.result_error,
  totals: r.result_total,
  nexts: r.result_next
}))

export async function runBatch (call: CallFn, commands: BatchCommand[], opts: { halt?: boolean } = {}): Promise<BatchReply> {
  const payload = buildBatchPayload(commands, opts.halt ?? false)
  if (commands.length === 0) return { results: {}, errors: {}, totals: {}, nexts: {} }
  const reply = await call('batch', payload, batchReplySchema as z.ZodType<BatchReply>)
  return reply.result
}
