/** The error every Bitrix24 call throws: a relay code, a kind the worker branches on, and what is known about the outcome. */
import { maskSecrets } from './mask.ts'

export type BitrixErrorKind =
  | 'rate_limit'
  | 'operation_limit'
  | 'auth'
  | 'validation'
  | 'method_not_found'
  | 'moved'
  | 'server'
  | 'network'
  | 'timeout'
  | 'bad_reply'

/** The relay error code of each kind. */
export const BITRIX_ERROR_CODES = {
  rate_limit: 'RELAY_ERR_B24_RATE_LIMIT',
  operation_limit: 'RELAY_ERR_B24_OPERATION_LIMIT',
  auth: 'RELAY_ERR_B24_AUTH',
  validation: 'RELAY_ERR_B24_VALIDATION',
  method_not_found: 'RELAY_ERR_B24_METHOD_NOT_FOUND',
  moved: 'RELAY_ERR_B24_MOVED',
  server: 'RELAY_ERR_B24_SERVER',
  network: 'RELAY_ERR_B24_NETWORK',
  timeout: 'RELAY_ERR_B24_TIMEOUT',
  bad_reply: 'RELAY_ERR_B24_BAD_REPLY'
} as const satisfies Record<BitrixErrorKind, string>

export type BitrixErrorCode = typeof BITRIX_ERROR_CODES[BitrixErrorKind]

export interface BitrixErrorInit {
  kind: BitrixErrorKind
  message: string
  /** Sending the same request again later can succeed. */
  retryable: boolean
  /** The portal may have executed the request: check (e.g. by ORIGIN_ID) before sending it again. */
  outcomeUnknown: boolean
  status?: number
  b24Error?: string
  b24Description?: string
  /** ms since the epoch; set for OPERATION_TIME_LIMIT when the portal sent time.operating_reset_at. */
  resetAt?: number
  /** Where a 3xx pointed, with the secret masked. */
  location?: string
  /** The Bitrix24 method, e.g. crm.lead.add. */
  method?: string
  cause?: unknown
}

export class BitrixError extends Error {
  readonly code: BitrixErrorCode
  readonly kind: BitrixErrorKind
  readonly retryable: boolean
  readonly outcomeUnknown: boolean
  readonly status?: number
  readonly b24Error?: string
  readonly b24Description?: string
  readonly resetAt?: number
  readonly location?: string
  readonly method?: string

  constructor (init: BitrixErrorInit) {
    // Texts can echo the request URL (HTML error pages do), so every string is masked here, once.
    super(maskSecrets(init.method === undefined ? init.message : `${init.method}: ${init.message}`),
      init.cause === undefined ? undefined : { cause: init.cause })
    this.name = 'BitrixError'
    this.code = BITRIX_ERROR_CODES[init.kind]
    this.kind = init.kind
    this.retryable = init.retryable
    this.outcomeUnknown = init.outcomeUnknown
    if (init.status !== undefined) this.status = init.status
    if (init.b24Error !== undefined) this.b24Error = init.b24Error
    if (init.b24Description !== undefined) this.b24Description = maskSecrets(init.b24Description)
    if (init.resetAt !== undefined) this.resetAt = init.resetAt
    if (init.location !== undefined) this.location = maskSecrets(init.location)
    if (init.method !== undefined) this.method = init.method
  }
}

export function isBitrixError (err: unknown): err is BitrixError {
  return err instanceof BitrixError
}

/** The caller used the client wrongly (more than 50 batch commands, a bad method name, a bad webhook URL). */
export class BitrixUsageError extends Error {
  readonly code = 'RELAY_ERR_B24_USAGE'
  constructor (message: string) {
    super(maskSecrets(message))
    this.name = 'BitrixUsageError'
  }
}
