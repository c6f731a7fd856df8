/**
 * The port between a portal lane and the way its submissions reach the portal. The lane claims,
 * reads each payload once, paces calls with its limiter, holds the leases and settles; a transport
 * turns read submissions into calls (src/delivery/transports/rest.ts for the REST webhook,
 * legacy-importer.ts for the deprecated import page) and reports each outcome through LaneOps.
 */
import type { Logger } from 'pino'
import type { BitrixError } from '../../bitrix/errors.ts'
import type { ClaimedSubmission } from '../../outbox/types.ts'
import type { Decision } from '../lane/decide.ts'
import type { Stored } from '../stored-payload.ts'

/** What a lane lends a transport for one claim. */
export interface LaneOps {
  readonly portalId: string
  readonly log: Logger
  now: () => number
  /**
   * The lane's call wrapper: a limiter token, then `fn`. On a BitrixError every item is settled
   * (retry, dead letter, pause) and undefined comes back; undefined also means the items were
   * given back (stopping, lease too short). Only the items passed are touched.
   */
  call: <T>(items: ClaimedSubmission[], fn: () => Promise<T>, method?: string) => Promise<T | undefined>
  /** A limiter token for a call whose failure the caller settles itself; false when the lane stops. */
  token: () => Promise<boolean>
  /** The portal answered QUERY_LIMIT_EXCEEDED inside a batch: fill the bucket. */
  penalize: () => void
  /** A batch of this many commands is about to be sent (the batch size metric). */
  batchSent: (commands: number) => void
  delivered: (c: ClaimedSubmission, leadId: number, recovered: boolean, dealId?: number) => Promise<void>
  settle: (c: ClaimedSubmission, d: Decision) => Promise<void>
  /** The lane's decision for a failed call of this submission (attempt limits, backoff). */
  decideFor: (c: ClaimedSubmission, err: BitrixError) => Decision
}

export interface DeliveryTransport {
  /** One cheap call that proves the portal takes the webhook (or login); throws the BitrixError it got. */
  probe: () => Promise<void>
  /** Delivers every submission given, settling each through `lane` (or keeping it waiting, leased, for resume()). */
  deliver: (items: Stored[], lane: LaneOps) => Promise<void>
  /** Claims kept waiting outside the lane (file links being fetched) that are ready now; still leased to the lane. */
  resume: () => Stored[]
  /** Every claim kept waiting, for the lane to give back when it stops. */
  drain: () => Stored[]
  describe: () => string
  close: () => Promise<void>
}
