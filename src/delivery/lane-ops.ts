/**
 * What a portal lane lends to the delivery paths that live outside it (the rich path for
 * submissions with extras, the legacy importer): its rate-limited call wrapper and the ways to
 * settle a submission. The lane builds one in a single delimited block (src/delivery/portal-lane.ts).
 */
import type { Logger } from 'pino'
import type { BitrixClient } from '../bitrix/client.ts'
import type { BitrixError } from '../bitrix/errors.ts'
import type { ClaimedSubmission, Outbox } from '../outbox/types.ts'
import type { Decision } from './decide.ts'
import type { Stored } from './stored-payload.ts'

export interface LaneOps {
  readonly portalId: string
  readonly client: BitrixClient
  readonly originatorId: string
  readonly registerSonetEvent: boolean
  readonly outbox: Outbox
  readonly log: Logger
  now: () => number
  /**
   * The lane's own call wrapper: a limiter token, then `fn`. On a BitrixError every item is
   * settled (retry, dead letter, pause) and undefined comes back; undefined also means the items
   * were given back (stopping, lease too short). Only the items passed are touched.
   */
  call: <T>(items: ClaimedSubmission[], fn: () => Promise<T>, method?: string) => Promise<T | undefined>
  /** A limiter token for a call whose failure the caller settles itself; false when the lane stops. */
  token: () => Promise<boolean>
  /** The portal answered QUERY_LIMIT_EXCEEDED inside a batch: fill the bucket. */
  penalize: () => void
  delivered: (c: ClaimedSubmission, leadId: number, recovered: boolean, dealId?: number) => Promise<void>
  settle: (c: ClaimedSubmission, d: Decision) => Promise<void>
  /** The lane's decision for a failed call of this submission (attempt limits, backoff). */
  decideFor: (c: ClaimedSubmission, err: BitrixError) => Decision
}

/** A delivery path the lane hands claimed submissions to before its plain batch path. */
export interface ExtrasRoute {
  /** Delivers (and settles) the submissions it takes; resolves to the ones left for the plain path. */
  take: (claimed: Stored[], ops: LaneOps) => Promise<Stored[]>
  /**
   * Claims it kept waiting (file links being fetched outside the lane) that are ready now; the
   * lane puts them at the head of its next claim. They are still leased to this lane.
   */
  resume?: () => Stored[]
  /** Every claim it keeps waiting, for the lane to give back when it stops. */
  drain?: () => Stored[]
}
