/** What the REST transport's steps (prepare, files, plans) use: the lane's ops and the portal's client. */
import type { BitrixClient } from '../../bitrix/client.ts'
import type { Outbox } from '../../outbox/types.ts'
import type { LaneOps } from './transport.ts'

export interface RestOps extends LaneOps {
  readonly client: BitrixClient
  readonly originatorId: string
  readonly registerSonetEvent: boolean
  /** The stored submission's meta (page, IP, user agent) for timeline texts. */
  readonly outbox: Pick<Outbox, 'get'>
}
