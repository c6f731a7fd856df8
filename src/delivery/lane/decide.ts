/**
 * What to do after a failed delivery attempt, as a pure function of the error class, the attempt
 * count and the submission's age. The lane carries the decision out; tests check it row by row.
 */
import type { BitrixError, BitrixErrorKind } from '../../bitrix/errors.ts'
import type { StoredError } from '../../outbox/types.ts'
import { backoffMs } from './backoff.ts'

export type PortalEffect =
  | { state: 'paused_auth' }
  | { state: 'paused_not_found' }
  | { state: 'rate_limited', until: number }
  | { state: 'unreachable' }

export type Decision =
  | { action: 'retry', at: number, outcomeUnknown: boolean, error: StoredError, portal?: PortalEffect }
  | { action: 'release', portal?: PortalEffect }
  | { action: 'dead', error: StoredError }

export interface DecideInput {
  kind: BitrixErrorKind
  code: string
  message: string
  outcomeUnknown: boolean
  resetAt?: number
  attempts: number
  createdAt: number
  now: number
  maxAttempts: number
  maxAgeMs: number
  retryBaseMs?: number
  retryMaxMs?: number
  random?: () => number
}

/**
 * How long to wait for OPERATION_TIME_LIMIT when the portal did not say when its basket resets (a single
 * call's 429 may carry no timing at all): a tenth of the 10-minute window, so a short block costs little
 * delay and a long one few attempts.
 */
const OPERATION_LIMIT_FALLBACK_MS = 60_000
/** The portal's operating window is 10 minutes: a reset time further away is a clock skew, not a longer block. */
const OPERATION_WINDOW_MS = 600_000

export function decide (input: DecideInput): Decision {
  const error = { code: input.code, message: input.message }
  switch (input.kind) {
    case 'rate_limit':
      // Not the lead's fault: give it back uncounted; the lane waits for the bucket.
      return { action: 'release', portal: { state: 'rate_limited', until: input.now + 1000 } }
    case 'auth':
      // A revoked or expired webhook: keep everything queued and pause the portal until it works.
      return { action: 'release', portal: { state: 'paused_auth' } }
    case 'validation':
      return { action: 'dead', error }
    default:
      break
  }
  if (input.attempts >= input.maxAttempts) {
    return { action: 'dead', error: { code: error.code, message: `gave up after ${input.attempts} attempts: ${error.message}` } }
  }
  if (input.now - input.createdAt >= input.maxAgeMs) {
    const minutes = Math.round((input.now - input.createdAt) / 60000)
    return { action: 'dead', error: { code: error.code, message: `gave up after ${minutes} minutes: ${error.message}` } }
  }
  if (input.kind === 'operation_limit') {
    const reset = Math.min(input.resetAt ?? input.now + OPERATION_LIMIT_FALLBACK_MS, input.now + OPERATION_WINDOW_MS)
    const until = Math.max(reset, input.now + 1000)
    return { action: 'retry', at: until, outcomeUnknown: input.outcomeUnknown, error, portal: { state: 'rate_limited', until } }
  }
  const at = input.now + backoffMs(input.attempts, {
    ...(input.retryBaseMs !== undefined ? { baseMs: input.retryBaseMs } : {}),
    ...(input.retryMaxMs !== undefined ? { maxMs: input.retryMaxMs } : {}),
    ...(input.random !== undefined ? { random: input.random } : {})
  })
  const portal: PortalEffect | undefined = input.kind === 'network' || input.kind === 'timeout' ? { state: 'unreachable' } : undefined
  return { action: 'retry', at, outcomeUnknown: input.outcomeUnknown, error, ...(portal !== undefined ? { portal } : {}) }
}

export function decideForError (
  err: BitrixError, base: Omit<DecideInput, 'kind' | 'code' | 'message' | 'outcomeUnknown' | 'resetAt'>
): Decision {
  return decide({
    ...base,
    kind: err.kind,
    code: err.code,
    message: err.b24Description ?? err.message,
    outcomeUnknown: err.outcomeUnknown,
    ...(err.resetAt !== undefined ? { resetAt: err.resetAt } : {})
  })
}
