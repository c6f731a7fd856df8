/**
 * The submitted fields as the mapping sees them: a flat, prototype-free record of text values.
 * Every body kind ends up here, and every intake limit (field count, value length, forbidden keys)
 * is enforced here once.
 */
import { BodyShapeError, ForbiddenKeyError, TooManyFieldsError, ValueTooLongError } from '../errors.ts'
import { TRACE_FIELD, VISITED_FIELD } from '../mapping/attribution.ts'
import type { FileCollector } from './files.ts'

export type SubmittedValues = Record<string, string | string[]>

export interface ValueLimits {
  fields: number
  valueChars: number
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])
const MAX_KEY_CHARS = 200

/**
 * Hidden fields embed.js fills from the page's tracker: no visitor can see or shorten them, so a long
 * one must never cost the lead. Up to this many characters they reach the mapping whole (which drops
 * an oversized one with a note); past it they are cut, never refused.
 */
const TRACKER_FIELDS: ReadonlySet<string> = new Set([TRACE_FIELD, VISITED_FIELD])
const TRACKER_VALUE_MAX = 64 * 1024

/** Refuses names that could reach an object's prototype somewhere downstream, and absurdly long ones. */
function checkKey (key: string): void {
  if (FORBIDDEN_KEYS.has(key) || key.includes('__proto__')) throw new ForbiddenKeyError(key.slice(0, 60))
  if (key.length > MAX_KEY_CHARS) throw new BodyShapeError(`a field name is longer than ${MAX_KEY_CHARS} characters`)
}

/** Collects name/value pairs, repeating names becoming arrays (checkbox groups posted as `opt=a&opt=b`). */
export class ValuesBuilder {
  readonly #values: SubmittedValues = Object.create(null) as SubmittedValues
  #count = 0

  constructor (private readonly limits: ValueLimits) {}

  add (rawKey: string, value: string): void {
    // PHP-style `options[]` from HTML checkbox groups names the same field.
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey
    checkKey(key)
    if (value.length > this.limits.valueChars) {
      if (!TRACKER_FIELDS.has(key)) throw new ValueTooLongError(key.slice(0, 60), this.limits.valueChars)
      value = value.slice(0, Math.max(this.limits.valueChars, TRACKER_VALUE_MAX))
    }
    if (++this.#count > this.limits.fields) throw new TooManyFieldsError(this.limits.fields)
    const prev = this.#values[key]
    if (prev === undefined) this.#values[key] = value
    else if (Array.isArray(prev)) prev.push(value)
    else this.#values[key] = [prev, value]
  }

  build (): SubmittedValues {
    return this.#values
  }
}

/**
 * Accepts the flat JSON object that Contact Form 7's webhook and scripts send: text, numbers and
 * booleans, arrays of those (checkbox groups), null, and file objects ({filename, content}), which
 * are kept by `files` (a form with `files`) and noted by name among the values.
 */
export function valuesFromJson (data: unknown, limits: ValueLimits, files?: FileCollector): SubmittedValues {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new BodyShapeError('expected a JSON object of field names and values')
  }
  const builder = new ValuesBuilder(limits)
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    checkKey(key)
    if (Array.isArray(value)) {
      if (value.length === 0) builder.add(key, '')
      for (const item of value) builder.add(key, scalarText(key, item, files))
    } else {
      builder.add(key, scalarText(key, value, files))
    }
  }
  return builder.build()
}

function scalarText (key: string, value: unknown, files?: FileCollector): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === null || value === undefined) return ''
  if (typeof value === 'object' && !Array.isArray(value) && typeof (value as { filename?: unknown }).filename === 'string') {
    const file = value as { filename: string, content?: unknown }
    const kept = files?.addBase64(key, file)
    return `${kept?.name ?? file.filename} (attachment)`
  }
  throw new BodyShapeError(`field "${key.slice(0, 60)}" holds a nested ${Array.isArray(value) ? 'array' : 'object'}`)
}
