/**
 * pino options for the relay: JSON lines, secrets redacted by path. Log lines carry facts (ids,
 * codes, counts), never form bodies; the webhook URL never appears (clients mask it themselves).
 */
import pino, { type DestinationStream, type Logger } from 'pino'

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-relay-secret"]',
  'req.headers["x-relay-signature"]',
  'webhook',
  '*.webhook',
  'password',
  '*.password',
  'token',
  '*.token'
]

export function createLogger (opts: { level?: string, destination?: DestinationStream } = {}): Logger {
  return pino({
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'b24-form-relay' }
  }, opts.destination)
}
