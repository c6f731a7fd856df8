/**
 * The error catalogue: every error a visitor, an operator or the delivery worker can see has a
 * stable code here. Intake errors carry their HTTP status; the single error handler maps them.
 * docs/errors.md mirrors this list.
 */
import createError from '@fastify/error'

export type FieldErrors = Record<string, string>

// Intake: what a client did wrong. The status is part of the contract.
export const UnknownFormError = createError<[string]>('RELAY_ERR_UNKNOWN_FORM', 'Unknown form "%s"', 404)
export const EmptyBodyError = createError('RELAY_ERR_EMPTY_BODY', 'The submission is empty', 400)
export const UnsupportedMediaTypeError = createError<[string]>(
  'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
  'Content type "%s" is not accepted; ' +
    'send application/x-www-form-urlencoded, multipart/form-data, application/json or text/plain with JSON',
  415
)
export const BodyTooLargeError = createError<[number]>('RELAY_ERR_BODY_TOO_LARGE', 'The body is larger than %d bytes', 413)
export const MalformedJsonError = createError<[string]>('RELAY_ERR_MALFORMED_JSON', 'The body is not valid JSON: %s', 400)
export const MalformedUrlencodedError = createError<[string]>('RELAY_ERR_MALFORMED_URLENCODED', 'The form body cannot be decoded: %s', 400)
export const MalformedMultipartError = createError<[string]>('RELAY_ERR_MALFORMED_MULTIPART', 'The multipart body cannot be read: %s', 400)
export const UnsupportedCharsetError = createError<[string]>('RELAY_ERR_UNSUPPORTED_CHARSET', 'Charset "%s" is not supported', 415)
export const UndecodableBodyError = createError<[string]>('RELAY_ERR_UNDECODABLE_BODY', 'The body is not valid %s text', 400)
export const TooManyFieldsError = createError<[number]>('RELAY_ERR_TOO_MANY_FIELDS', 'The submission has more than %d fields', 413)
export const ValueTooLongError = createError<[string, number]>('RELAY_ERR_VALUE_TOO_LONG', 'Field "%s" is longer than %d characters', 413)
export const ForbiddenKeyError = createError<[string]>('RELAY_ERR_FORBIDDEN_KEY', 'Field name "%s" is not allowed', 400)
export const BodyShapeError = createError<[string]>('RELAY_ERR_BODY_SHAPE', 'The submission must be a flat object of text values: %s', 400)
export const MethodNotAllowedError = createError<[string]>(
  'RELAY_ERR_METHOD_NOT_ALLOWED', 'This address takes form posts: POST to /f/%s', 405)
export const StoreUnavailableError = createError(
  'RELAY_ERR_STORE_UNAVAILABLE', 'The submission could not be stored; try again shortly', 503)
export const StoreFullError = createError('RELAY_ERR_STORE_FULL', 'The relay is out of room for new submissions; try again later', 503)
export const IdempotencyMismatchError = createError('RELAY_ERR_IDEMPOTENCY_MISMATCH',
  'This Idempotency-Key was already used for a submission with other values; use a new key for a new submission', 409)
// Files (forms with `files`): size, type and count limits per form.
export const FileTooLargeError = createError<[string, number]>('RELAY_ERR_FILE_TOO_LARGE', 'File "%s" is larger than %d bytes', 413)
export const FileTypeError = createError<[string, string]>('RELAY_ERR_FILE_TYPE', 'File "%s" (%s) is not an accepted type', 415)
export const TooManyFilesError = createError<[number]>('RELAY_ERR_TOO_MANY_FILES', 'The submission has more than %d files', 413)
export const MalformedFileError = createError<[string]>('RELAY_ERR_MALFORMED_FILE', 'File "%s" is not valid base64', 400)
export const FileContentError = createError<[string]>('RELAY_ERR_FILE_CONTENT', 'The content of file "%s" is not an accepted type', 415)
export const MalformedFileLinkError = createError<[string]>('RELAY_ERR_MALFORMED_FILE_LINK',
  'The file link "%s" has a broken %%-escape', 400)

// Abuse protection (src/security): who may post, and how often.
export const OriginNotAllowedError = createError<[string]>('RELAY_ERR_ORIGIN_NOT_ALLOWED', 'Pages on %s may not post to this form', 403)
export const RateLimitedError = createError<[number]>('RELAY_ERR_RATE_LIMITED', 'Too many submissions; retry in %d s', 429)
export const UnauthenticatedSourceError = createError<[string]>(
  'RELAY_ERR_UNAUTHENTICATED_SOURCE', 'This form accepts only authenticated senders: %s', 401)
export const AdminUnauthorizedError = createError(
  'RELAY_ERR_ADMIN_UNAUTHORIZED', 'A valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)', 401)
export const SignatureReplayedError = createError(
  'RELAY_ERR_SIGNATURE_REPLAYED',
  'This signature was already used; sign every request anew (a fresh X-Relay-Timestamp gives a new signature)',
  401
)
export const AdminThrottledError = createError<[number]>(
  'RELAY_ERR_ADMIN_THROTTLED', 'Too many failed sign-ins from this address; retry in %d s', 429)
/** Logged, never answered: the connection is closed. A body that came slower than limits.minBodyBytesPerSecond. */
export const SlowBodyError = createError<[number]>('RELAY_ERR_SLOW_BODY', 'The body arrived slower than %d bytes per second', 408)
export const BadUrlError = createError<[string]>('RELAY_ERR_BAD_URL', 'The address cannot be decoded: %s', 400)
/** Logged, never answered: a CAPTCHA provider could not be asked; `captcha.onError` decides. */
export const CaptchaUnavailableError = createError<[string]>(
  'RELAY_ERR_CAPTCHA_UNAVAILABLE', 'The CAPTCHA provider could not verify the token: %s', 502)

// Admin API and status page (src/http/routes/admin*.ts, status-page*.ts).
export const AdminInputError = createError<[string]>('RELAY_ERR_ADMIN_INPUT', 'Invalid admin request: %s', 400)
export const SubmissionNotFoundError = createError<[string]>('RELAY_ERR_SUBMISSION_NOT_FOUND', 'No submission with id "%s"', 404)
export const NotDeadError = createError<[string, string]>(
  'RELAY_ERR_NOT_DEAD', 'Submission "%s" is %s, not a dead letter; only dead letters can be retried', 409)
export const AdminUnsupportedError = createError<[string]>(
  'RELAY_ERR_ADMIN_UNSUPPORTED', 'This store does not support %s; use the SQLite outbox for it', 501)

// Start-up: the installation is incomplete.
export const EmbedAssetError = createError<[string]>(
  'RELAY_ERR_EMBED_ASSET', 'The embed script src/embed/embed.js is missing (looked in %s); reinstall the package', 500)

/** An environment variable has a value the relay cannot use; `variables` names them (the message never echoes a secret). */
export class EnvironmentError extends Error {
  readonly code = 'RELAY_ERR_ENV'
  constructor (message: string, readonly variables: string[], readonly issues: string[] = []) {
    super(message)
    this.name = 'EnvironmentError'
  }
}

/** The port to listen on is taken by another process; `variable` is the setting to change. */
export class PortInUseError extends Error {
  readonly code = 'RELAY_ERR_PORT_IN_USE'
  constructor (readonly port: number, readonly host: string, readonly variable: string) {
    super(`Port ${port} on ${host} is already in use by another process: stop it, or set ${variable} to a free port`)
    this.name = 'PortInUseError'
  }
}

/** Codes the delivery worker records on a submission (besides the RELAY_ERR_B24_* ones of src/bitrix/errors.ts). */
export const DELIVERY_ERROR_CODES = {
  /** The stored payload (fields or extras) cannot be read by this version: dead letter, never a guess. */
  badPayload: 'RELAY_ERR_BAD_PAYLOAD',
  /** The worker stopped between an add and its follow-up steps; the next attempt looks the record up first. */
  stopped: 'RELAY_ERR_DELIVERY_STOPPED'
} as const

/**
 * Why a CF7 file link was not attached: logged for the operator with the link and the detail,
 * never written to the CRM (there the note is one neutral phrase, whatever answered).
 */
export const FILE_LINK_CODES = {
  /** The host is not in `files.allowHosts`, or it resolves only to loopback / private / reserved addresses. */
  refused: 'RELAY_ERR_LINK_REFUSED',
  /** The fetch failed: no answer, not 200, too large, slower than `files.minBytesPerSecond`, a connection error. */
  failed: 'RELAY_ERR_LINK_FAILED',
  /** The submission's `files.downloadBudgetMs` ran out (or the download queue was full) before this link was fetched. */
  budget: 'RELAY_ERR_LINK_BUDGET',
  /** The bytes fetched are not an accepted type (src/security/file-content.ts). */
  content: 'RELAY_ERR_LINK_CONTENT',
  /** The form does not fetch links (`files.download: false`). */
  off: 'RELAY_ERR_LINK_OFF'
} as const

/** A visitor's values failed validation; `fields` says which and why. */
export class ValidationError extends Error {
  readonly code = 'RELAY_ERR_VALIDATION'
  readonly statusCode = 400
  constructor (readonly fields: FieldErrors) {
    super('Some fields are not valid: ' + Object.keys(fields).join(', '))
    this.name = 'ValidationError'
  }
}

/** The configuration cannot be used; the message names the key and the problem. */
export class ConfigError extends Error {
  readonly code = 'RELAY_ERR_CONFIG'
  constructor (message: string, readonly issues: string[] = []) {
    super(message)
    this.name = 'ConfigError'
  }
}

export interface CodedError { code: string, statusCode?: number, message: string, fields?: FieldErrors }

export function isCodedError (err: unknown): err is CodedError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string'
}
