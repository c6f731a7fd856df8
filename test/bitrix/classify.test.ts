import { describe, expect, it } from 'vitest'
import { classifyCommandError, classifyNetworkError, classifyReply } from '../../src/bitrix/classify.ts'
import { BitrixError, type BitrixErrorKind } from '../../src/bitrix/errors.ts'

interface Row {
  name: string
  status: number
  body: string
  kind: BitrixErrorKind
  code: string
  retryable: boolean
  outcomeUnknown: boolean
  b24Error?: string
}

// Literal bodies from the error catalogue of the API reference (sections 7.2 and 8).
const rows: Row[] = [
  {
    name: 'leaky bucket',
    status: 503,
    body: '{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}',
    kind: 'rate_limit',
    code: 'RELAY_ERR_B24_RATE_LIMIT',
    retryable: true,
    outcomeUnknown: false,
    b24Error: 'QUERY_LIMIT_EXCEEDED'
  },
  {
    name: 'operating time',
    status: 429,
    body: '{"error":"OPERATION_TIME_LIMIT","error_description":"Method is blocked due to operation time limit."}',
    kind: 'operation_limit',
    code: 'RELAY_ERR_B24_OPERATION_LIMIT',
    retryable: true,
    outcomeUnknown: false,
    b24Error: 'OPERATION_TIME_LIMIT'
  },
  {
    name: 'overload block',
    status: 503,
    body: '{"error":"OVERLOAD_LIMIT","error_description":"REST API is blocked due to overload"}',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true,
    b24Error: 'OVERLOAD_LIMIT'
  },
  {
    name: 'wrong secret (code: 401)',
    status: 401,
    body: '{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'INVALID_CREDENTIALS'
  },
  {
    name: 'wrong secret (docs: 403)',
    status: 403,
    body: '{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'INVALID_CREDENTIALS'
  },
  {
    name: 'no credentials',
    status: 401,
    body: '{"error":"NO_AUTH_FOUND","error_description":"Wrong authorization data"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'NO_AUTH_FOUND'
  },
  {
    name: 'plain http (measured 401)',
    status: 401,
    body: '{"error":"INVALID_REQUEST","error_description":"Https required."}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'INVALID_REQUEST'
  },
  {
    name: 'plain http (docs 400)',
    status: 400,
    body: '{"error":"INVALID_REQUEST","error_description":"Https required."}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'INVALID_REQUEST'
  },
  {
    name: 'missing scope (401)',
    status: 401,
    body: '{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the webhook token"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'insufficient_scope'
  },
  {
    name: 'missing scope (403)',
    status: 403,
    body: '{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the webhook token"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'insufficient_scope'
  },
  {
    name: 'owner deactivated',
    status: 401,
    body: '{"error":"authorization_error","error_description":"Unable to authorize user"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'authorization_error'
  },
  {
    name: 'expired token',
    status: 401,
    body: '{"error":"expired_token","error_description":"The access token provided has expired"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'expired_token'
  },
  {
    name: 'free plan',
    status: 403,
    body: '{"error":"ACCESS_DENIED","error_description":"REST API is available only on commercial plans"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ACCESS_DENIED'
  },
  {
    name: 'user access',
    status: 403,
    body: '{"error":"user_access_error","error_description":""}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'user_access_error'
  },
  {
    name: 'portal deleted (old code 403)',
    status: 403,
    body: '{"error":"PORTAL_DELETED","error_description":"Portal was deleted"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'PORTAL_DELETED'
  },
  {
    name: 'portal deleted (docs 500)',
    status: 500,
    body: '{"error":"PORTAL_DELETED","error_description":"Portal was deleted"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'PORTAL_DELETED'
  },
  {
    name: 'method unknown',
    status: 404,
    body: '{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}',
    kind: 'method_not_found',
    code: 'RELAY_ERR_B24_METHOD_NOT_FOUND',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ERROR_METHOD_NOT_FOUND'
  },
  {
    name: 'method unknown (SDK docs say 400)',
    status: 400,
    body: '{"error":"ERROR_METHOD_NOT_FOUND","error_description":"Method not found!"}',
    kind: 'method_not_found',
    code: 'RELAY_ERR_B24_METHOD_NOT_FOUND',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ERROR_METHOD_NOT_FOUND'
  },
  {
    name: 'crm validation',
    status: 400,
    body: '{"error":"","error_description":"The field \\"Title\\" is required.<br />"}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: ''
  },
  {
    name: 'fields not an array',
    status: 400,
    body: '{"error":"","error_description":"Parameter \'fields\' must be array."}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: ''
  },
  {
    name: 'validation as ERROR_CORE',
    status: 400,
    body: '{"error":"ERROR_CORE","error_description":"The required field \'Lead Name\' is missing.<br />"}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ERROR_CORE'
  },
  {
    name: 'message in the error field',
    status: 400,
    body: '{"error":"Communication type is not defined","error_description":"Parameter \'type\' is required."}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'Communication type is not defined'
  },
  {
    name: 'crm access denied',
    status: 400,
    body: '{"error":"","error_description":"Access denied."}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: ''
  },
  {
    name: 'SQL failure',
    status: 500,
    body: '{"error":"ERROR_CORE","error_description":"SQL query error!"}',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true,
    b24Error: 'ERROR_CORE'
  },
  {
    name: 'internal error',
    status: 500,
    body: '{"error":"INTERNAL_SERVER_ERROR","error_description":""}',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true,
    b24Error: 'INTERNAL_SERVER_ERROR'
  },
  {
    name: 'unexpected answer',
    status: 500,
    body: '{"error":"ERROR_UNEXPECTED_ANSWER","error_description":""}',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true,
    b24Error: 'ERROR_UNEXPECTED_ANSWER'
  },
  {
    name: 'gateway HTML page',
    status: 502,
    body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true
  },
  {
    name: 'plain 503 page',
    status: 503,
    body: 'Service Unavailable',
    kind: 'server',
    code: 'RELAY_ERR_B24_SERVER',
    retryable: true,
    outcomeUnknown: true
  },
  {
    name: 'batch too long',
    status: 400,
    body: '{"error":"ERROR_BATCH_LENGTH_EXCEEDED","error_description":"Max batch length exceeded"}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ERROR_BATCH_LENGTH_EXCEEDED'
  },
  {
    name: 'batch method not allowed',
    status: 405,
    body: '{"error":"ERROR_BATCH_METHOD_NOT_ALLOWED","error_description":"Method is not allowed for batch usage"}',
    kind: 'validation',
    code: 'RELAY_ERR_B24_VALIDATION',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'ERROR_BATCH_METHOD_NOT_ALLOWED'
  },
  {
    name: 'method awaiting confirmation',
    status: 401,
    body: '{"error":"METHOD_CONFIRM_WAITING","error_description":"Waiting for confirmation"}',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false,
    b24Error: 'METHOD_CONFIRM_WAITING'
  },
  {
    name: 'unknown 403 HTML',
    status: 403,
    body: '<html><title>Forbidden</title></html>',
    kind: 'auth',
    code: 'RELAY_ERR_B24_AUTH',
    retryable: false,
    outcomeUnknown: false
  },
  {
    name: 'HTML 404 (wrong path)',
    status: 404,
    body: '<html><title>404 Not Found</title></html>',
    kind: 'method_not_found',
    code: 'RELAY_ERR_B24_METHOD_NOT_FOUND',
    retryable: false,
    outcomeUnknown: false
  },
  {
    name: 'proxy 429 without a code',
    status: 429,
    body: 'Too Many Requests',
    kind: 'rate_limit',
    code: 'RELAY_ERR_B24_RATE_LIMIT',
    retryable: true,
    outcomeUnknown: false
  },
  {
    name: '200 with malformed JSON',
    status: 200,
    body: '{"result": 12',
    kind: 'bad_reply',
    code: 'RELAY_ERR_B24_BAD_REPLY',
    retryable: true,
    outcomeUnknown: true
  },
  {
    name: '200 HTML',
    status: 200,
    body: '<!DOCTYPE html><html><title>Login</title></html>',
    kind: 'bad_reply',
    code: 'RELAY_ERR_B24_BAD_REPLY',
    retryable: true,
    outcomeUnknown: true
  },
  {
    name: '200 without result',
    status: 200,
    body: '{"time":{"start":1}}',
    kind: 'bad_reply',
    code: 'RELAY_ERR_B24_BAD_REPLY',
    retryable: true,
    outcomeUnknown: true
  },
  {
    name: '200 with an error code',
    status: 200,
    body: '{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}',
    kind: 'rate_limit',
    code: 'RELAY_ERR_B24_RATE_LIMIT',
    retryable: true,
    outcomeUnknown: false,
    b24Error: 'QUERY_LIMIT_EXCEEDED'
  }
]

describe('classifyReply', () => {
  it.each(rows)('$status $name → $kind', (row) => {
    const err = classifyReply(row.status, row.body, { method: 'crm.lead.add' })
    expect(err).toBeInstanceOf(BitrixError)
    expect(err).toMatchObject({
      kind: row.kind,
      code: row.code,
      retryable: row.retryable,
      outcomeUnknown: row.outcomeUnknown,
      status: row.status,
      method: 'crm.lead.add'
    })
    expect(err?.b24Error).toBe(row.b24Error)
    expect(err?.message).toMatch(/^crm\.lead\.add: /)
    expect(err?.message).toContain(`HTTP ${row.status}`)
  })

  it('treats every documented success as success', () => {
    expect(classifyReply(200, '{"result":3465,"time":{"start":1705764932.998683,"finish":1705764937.173995,"duration":4.17,' +
      '"processing":3.3,"date_start":"2024-01-20T18:35:32+01:00","date_finish":"2024-01-20T18:35:37+01:00",' +
      '"operating_reset_at":1705765533,"operating":3.3}}')).toBeUndefined()
    expect(classifyReply(200, '{"result":[],"total":0,"time":{"start":1}}')).toBeUndefined()
    expect(classifyReply(200, '{"result":null}')).toBeUndefined()
    // The JS SDK ignores error "0"; an empty code beside a result is no error either.
    expect(classifyReply(200, '{"result":1,"error":"0"}')).toBeUndefined()
    expect(classifyReply(200, { result: true })).toBeUndefined()
  })

  it('takes resetAt from time.operating_reset_at (seconds → ms)', () => {
    const err = classifyReply(
      429,
      '{"error":"OPERATION_TIME_LIMIT","error_description":"","time":{"operating_reset_at":1705765533,"operating":480.5}}'
    )
    expect(err?.resetAt).toBe(1705765533000)
    // Whether the 429 body carries `time` is unconfirmed: without it, no resetAt.
    expect(classifyReply(429, '{"error":"OPERATION_TIME_LIMIT"}')?.resetAt).toBeUndefined()
    expect(classifyReply(
      503,
      '{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests","time":{"operating_reset_at":1705765533}}'
    )?.resetAt).toBeUndefined()
  })

  it('keeps the portal description and shows a short hint for non-REST bodies', () => {
    const err = classifyReply(503, '{"error":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests"}')
    expect(err?.b24Description).toBe('Too many requests')
    expect(err?.message).toBe('the portal request rate limit was hit (HTTP 503 QUERY_LIMIT_EXCEEDED: Too many requests)')
    const html = classifyReply(502, '<html><head><title>502 Bad Gateway</title></head></html>')
    expect(html?.message).toContain('HTML page "502 Bad Gateway"')
    expect(html?.b24Error).toBeUndefined()
  })

  it('reads REST v3 style error objects and numeric codes', () => {
    expect(classifyReply(401, '{"error":{"code":"INVALID_CREDENTIALS","message":"Invalid request credentials"}}'))
      .toMatchObject({ kind: 'auth', b24Error: 'INVALID_CREDENTIALS', b24Description: 'Invalid request credentials' })
    expect(classifyReply(400, '{"error":100,"error_description":"Required fields missing"}'))
      .toMatchObject({ kind: 'validation', b24Error: '100' })
  })

  it('maps 3xx to moved with the location masked', () => {
    const err = classifyReply(302, '', { location: 'https://new.bitrix24.com/rest/1/abcdef123/crm.lead.add' })
    expect(err).toMatchObject({ kind: 'moved', code: 'RELAY_ERR_B24_MOVED', retryable: false, outcomeUnknown: false, location: 'https://new.bitrix24.com/rest/1/***/crm.lead.add' })
  })

  it('never echoes a webhook secret from the body', () => {
    const err = classifyReply(404, '<html><body>The requested URL /rest/1/abcdef123/crm.lead.add was not found</body></html>')
    expect(err?.message).not.toContain('abcdef123')
    expect(err?.message).toContain('/rest/1/***/crm.lead.add')
  })
})

function sysError (code: string, message = code): Error {
  return Object.assign(new Error(message), { code })
}

describe('classifyNetworkError', () => {
  it.each([
    ['ECONNREFUSED', 'request', 'network', false],
    ['ENOTFOUND', 'request', 'network', false],
    ['EAI_AGAIN', 'request', 'network', false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'request', 'network', false],
    ['CERT_HAS_EXPIRED', 'request', 'network', false],
    ['UND_ERR_CONNECT_TIMEOUT', 'request', 'timeout', false],
    ['UND_ERR_HEADERS_TIMEOUT', 'request', 'timeout', true],
    ['UND_ERR_BODY_TIMEOUT', 'response', 'timeout', true],
    ['UND_ERR_SOCKET', 'request', 'network', true],
    ['ECONNRESET', 'request', 'network', true],
    ['EPIPE', 'request', 'network', true],
    ['ECONNRESET', 'response', 'network', true],
    // Even a "could not connect" code is ambiguous once the status line has arrived.
    ['ECONNREFUSED', 'response', 'network', true]
  ] as const)('%s during %s → %s, outcomeUnknown %s', (code, phase, kind, unknown) => {
    const err = classifyNetworkError(sysError(code), phase, { method: 'crm.lead.add' })
    expect(err).toMatchObject({
      kind,
      retryable: true,
      outcomeUnknown: unknown,
      code: kind === 'timeout' ? 'RELAY_ERR_B24_TIMEOUT' : 'RELAY_ERR_B24_NETWORK'
    })
    expect(err.cause).toBeInstanceOf(Error)
    expect(err.status).toBeUndefined()
  })

  it('treats an AbortSignal.timeout reason as a timeout with unknown outcome', () => {
    const reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    expect(classifyNetworkError(reason, 'request')).toMatchObject({ kind: 'timeout', outcomeUnknown: true, retryable: true })
  })

  it('finds the code inside an AggregateError (happy eyeballs)', () => {
    const agg = Object.assign(new AggregateError([sysError('ECONNREFUSED'), sysError('ECONNREFUSED')], 'connect failed'), {})
    expect(classifyNetworkError(agg, 'request')).toMatchObject({ kind: 'network', outcomeUnknown: false })
  })

  it('treats unknown failures as possibly executed', () => {
    expect(classifyNetworkError(new Error('boom'), 'request')).toMatchObject({ kind: 'network', outcomeUnknown: true })
    expect(classifyNetworkError('weird', 'request')).toMatchObject({ kind: 'network', outcomeUnknown: true })
  })

  it('passes a BitrixError through', () => {
    const inner = classifyReply(503, '{"error":"QUERY_LIMIT_EXCEEDED"}')
    expect(classifyNetworkError(inner, 'response')).toBe(inner)
  })
})

describe('classifyCommandError', () => {
  it('uses the same table for a command inside a batch, without an HTTP status', () => {
    expect(classifyCommandError({ error: '', description: 'The field "Title" is required.' }, 'crm.lead.add'))
      .toMatchObject({
        kind: 'validation',
        retryable: false,
        outcomeUnknown: false,
        status: undefined,
        method: 'crm.lead.add',
        message: 'crm.lead.add: the portal rejected the request (batch command (no code): The field "Title" is required.)'
      })
    expect(classifyCommandError({ error: '', description: 'Access denied.' })).toMatchObject({ kind: 'auth' })
    expect(classifyCommandError({ error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' }))
      .toMatchObject({ kind: 'rate_limit', retryable: true })
    expect(classifyCommandError({ error: 'OPERATION_TIME_LIMIT', description: '' }))
      .toMatchObject({ kind: 'operation_limit', retryable: true })
    expect(classifyCommandError({ error: 'ERROR_BATCH_LENGTH_EXCEEDED', description: 'Max batch length exceeded' }))
      .toMatchObject({ kind: 'validation' })
    expect(classifyCommandError({ error: 'insufficient_scope', description: '' })).toMatchObject({ kind: 'auth' })
  })
})
