/** Date input as the REST date parser (PHP strtotime) reads it, for the shapes clients actually send. */
import { scalarString } from '../request-params.ts'

/** YYYY-MM-DD (as UTC midnight) or any ISO-8601 datetime, in epoch milliseconds; null when unparseable or empty. */
export function parseDateValue (value: unknown): number | null {
  const text = scalarString(value).trim()
  if (text === '') return null
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(text + 'T00:00:00Z') : Date.parse(text)
  return Number.isNaN(ms) ? null : ms
}
