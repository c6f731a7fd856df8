/** The REST error type and the catalogue of errors the emulator can answer with. */
import type { Quirks } from './types.ts'

/** An error answer: `{error, error_description}` with an HTTP status and optional extra keys. */
export class RestError extends Error {
  constructor (
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly extra: Record<string, unknown> = {}
  ) {
    super(description)
    this.name = 'RestError'
  }

  body (): Record<string, unknown> {
    return { error: this.error, error_description: this.description, ...this.extra }
  }
}

export const noAuthFound = (): RestError => new RestError(401, 'NO_AUTH_FOUND', 'Wrong authorization data')

export const invalidCredentials = (q: Quirks): RestError =>
  new RestError(q.invalidCredentialsStatus, 'INVALID_CREDENTIALS', 'Invalid request credentials')

export const insufficientScope = (q: Quirks): RestError =>
  new RestError(q.insufficientScopeStatus, 'insufficient_scope', q.insufficientScopeDescription)

/** A method blocked by the operating-time limit until `resetAt` (unix seconds). */
export class OperationLimitError extends RestError {
  constructor (q: Quirks, readonly resetAt: number) {
    super(429, 'OPERATION_TIME_LIMIT', q.operationLimitDescription)
  }
}

export const methodNotFound = (): RestError => new RestError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!')

export const queryLimitExceeded = (): RestError => new RestError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests')

export const internalServerError = (): RestError => new RestError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error')

export const serviceUnavailable = (): RestError => new RestError(503, 'SERVICE_UNAVAILABLE', 'Service temporarily unavailable')

export const batchLengthExceeded = (): RestError => new RestError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded')

export const batchMethodNotAllowed = (): RestError =>
  new RestError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage')

/** crm business errors (validation, access) carry an empty code and status 400. */
export const crmError = (description: string): RestError => new RestError(400, '', description)

/** A crm validation failure, worded as the legacy core's LAST_ERROR (which ends each line in "<br />"). */
export const crmValidationError = (messages: string[], q: Quirks): RestError =>
  crmError(messages.map(m => q.validationBr ? m + '<br />' : m).join('\n'))
