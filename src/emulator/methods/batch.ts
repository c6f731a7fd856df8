/** `batch`: up to 50 commands in one HTTP request, each run through the same handlers as a direct call. */
import { timeInfo, type TimeInfo } from '../envelope.ts'
import { OperationLimitError, RestError, batchLengthExceeded, batchMethodNotAllowed, internalServerError } from '../rest-error.ts'
import { isTruthy, type Params } from '../request-params.ts'
import type { MethodContext, MethodFamily } from '../registry.ts'
import { parseCommands, phpArray, substituteResults } from './batch-query.ts'

export const MAX_BATCH_LENGTH = 50
const NOT_IN_BATCH = new Set(['batch', 'upload', 'download'])

// The server upper-cases the batch's own keys, so cmd/CMD/Cmd and halt/HALT all work.
function upperKeys (params: Params): Params {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k.toUpperCase(), v]))
}

async function runBatch (params: Params, ctx: MethodContext): Promise<{ result: Record<string, unknown>, operatingResetAt?: number }> {
  const p = upperKeys(params)
  const halt = isTruthy(p.HALT)
  const result: Record<string, unknown> = {}
  const resultError: Record<string, unknown> = {}
  const resultTotal: Record<string, number> = {}
  const resultNext: Record<string, number> = {}
  const resultTime: Record<string, TimeInfo> = {}
  let blockedResetAt: number | undefined
  const withOperating = ctx.state.settings.quirks.operatingInTime

  const commands = parseCommands(p.CMD)
  for (const [index, cmd] of commands.entries()) {
    if (index >= MAX_BATCH_LENGTH) {
      resultError[cmd.key] = batchLengthExceeded().body()
      continue
    }
    const startMs = Date.now()
    try {
      if (NOT_IN_BATCH.has(cmd.method.toLowerCase())) throw batchMethodNotAllowed()
      const params = substituteResults(cmd.params, result) as Params
      const res = await ctx.registry.invoke(cmd.method, params, { state: ctx.state, inBatch: true })
      const finishMs = Date.now()
      result[cmd.key] = res.result
      if (res.total !== undefined) resultTotal[cmd.key] = res.total
      if (res.next !== undefined) resultNext[cmd.key] = res.next
      const operating = ctx.state.operating.add(cmd.method.toLowerCase(), (finishMs - startMs) / 1000)
      resultTime[cmd.key] = timeInfo(startMs, finishMs, withOperating ? operating : undefined)
    } catch (err) {
      // A blocked command gets only error and description, and no result_time entry.
      if (err instanceof OperationLimitError) blockedResetAt = Math.max(blockedResetAt ?? 0, err.resetAt)
      resultError[cmd.key] = (err instanceof RestError ? err : internalServerError()).body()
      if (halt) break
    }
  }
  const reply = {
    result: phpArray(result),
    result_error: phpArray(resultError),
    result_total: phpArray(resultTotal),
    result_next: phpArray(resultNext),
    result_time: phpArray(resultTime)
  }
  return blockedResetAt !== undefined ? { result: reply, operatingResetAt: blockedResetAt } : { result: reply }
}

export const batchMethods: MethodFamily = registry => {
  registry.add('batch', { handler: async (params, ctx) => await runBatch(params, ctx) })
}
