/** Batch command parsing: `method?query` strings, `$result[key][FIELD]` references and PHP list/map output. */
import { isRecord, parseBracketQuery, scalarString, type Params } from '../request-params.ts'

export interface BatchCommand { key: string, method: string, params: Params }

/** `cmd` as a map or a list; each value is `method?query-string` in PHP bracket notation. */
export function parseCommands (cmd: unknown): BatchCommand[] {
  const entries: Array<[string, unknown]> = Array.isArray(cmd)
    ? cmd.map((v, i) => [String(i), v])
    : isRecord(cmd) ? Object.entries(cmd) : []
  return entries.map(([key, value]) => {
    const text = scalarString(value)
    const q = text.indexOf('?')
    const method = (q === -1 ? text : text.slice(0, q)).trim()
    return { key, method, params: q === -1 ? {} : parseBracketQuery(text.slice(q + 1)) }
  })
}

// Brackets never nest in a reference, so each run stops at the next bracket: linear on any text.
const REF = /\$result\[([^[\]]+)\]((?:\[[^[\]]*\])*)/g
const WHOLE_REF = /^\$result\[([^[\]]+)\]((?:\[[^[\]]*\])*)$/

function lookup (results: Record<string, unknown>, key: string, path: string): unknown {
  let value: unknown = Object.hasOwn(results, key) ? results[key] : undefined
  for (const m of path.matchAll(/\[([^[\]]*)\]/g)) {
    const seg = m[1] ?? ''
    if (Array.isArray(value)) value = value[Number(seg)]
    else if (isRecord(value)) value = Object.hasOwn(value, seg) ? value[seg] : undefined
    else return undefined
  }
  return value
}

/** Replace `$result[key]...` in every string of the params with earlier results (a whole-string reference keeps its type). */
export function substituteResults (value: unknown, results: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE_REF.exec(value)
    if (whole !== null) {
      const found = lookup(results, whole[1] ?? '', whole[2] ?? '')
      return found === undefined ? '' : found
    }
    return value.replace(REF, (_m, key: string, path: string) => scalarString(lookup(results, key, path)))
  }
  if (Array.isArray(value)) return value.map(v => substituteResults(v, results))
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteResults(v, results)]))
  return value
}

/** PHP json_encode: an empty array is `[]`, keys 0..n-1 in order make a list, anything else an object. */
export function phpArray<T> (map: Record<string, T>): Record<string, T> | T[] {
  const keys = Object.keys(map)
  if (keys.every((k, i) => k === String(i))) return keys.map(k => map[k] as T)
  return map
}
