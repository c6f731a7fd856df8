/** Reading request parameters the way the REST server does: PHP bracket notation, body over query, lenient keys. */
import qs from 'qs'

export type Params = Record<string, unknown>

// PHP builds arrays of any length and depth from brackets; qs needs its defaults raised to match.
const QS_OPTIONS: qs.IParseOptions = { arrayLimit: 1000, depth: 20, parameterLimit: 100_000, allowPrototypes: false }

/** Parse a query string or urlencoded body (`fields[PHONE][0][VALUE]=1`) into nested params. */
export function parseBracketQuery (text: string): Params {
  return qs.parse(text.replace(/^\?/, ''), QS_OPTIONS) as Params
}

/** Parse (key, value) pairs such as multipart fields, keeping bracket notation in the keys. */
export function parseBracketPairs (pairs: Array<[string, string]>): Params {
  const text = pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  return parseBracketQuery(text)
}

export function isRecord (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Body keys replace query keys (PHP array_replace at the top level). */
export function mergeParams (query: Params, body: Params): Params {
  return { ...query, ...body }
}

/** The crm module accepts `fields`, `FIELDS`, `Fields` and `arFields` (and likewise for other names). */
export function paramVariants (name: string): string[] {
  const lower = name.toLowerCase()
  const cap = lower.charAt(0).toUpperCase() + lower.slice(1)
  return [lower, name.toUpperCase(), cap, 'ar' + cap]
}

/** The first present variant of a top-level parameter, or undefined. */
export function resolveParam (params: Params, name: string): unknown {
  for (const key of paramVariants(name)) {
    if (Object.hasOwn(params, key)) return params[key]
  }
  return undefined
}

/** A parameter that must be a map when present; absent means {}. Lists (bracket `x[0]`) count as maps too. */
export function resolveArrayParam (params: Params, name: string): Record<string, unknown> | undefined {
  const value = resolveParam(params, name)
  if (value === undefined || value === null || value === '') return {}
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]))
  return isRecord(value) ? value : undefined
}

/** A list parameter given as a JSON array, a bracket list, a map with numeric keys or a single value. */
export function toList (value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return []
  if (Array.isArray(value)) return value
  if (isRecord(value)) return Object.values(value)
  return [value]
}

/** PHP-style truthiness for flags like `halt` and `IMPORT`; the words true/false are honoured too. */
export function isTruthy (value: unknown): boolean {
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase()
    return v !== '' && v !== '0' && v !== 'false' && v !== 'n'
  }
  return Boolean(value)
}

/** Values on the wire become strings (form posts) or JSON scalars; compare them as strings. */
export function scalarString (value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'boolean') return value ? '1' : ''
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}
