/** crm.lead.list filtering and ordering: the documented key prefixes applied to leads in API form. */
import { scalarString, toList } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import type { StoredLead } from '../types.ts'
import { isMultiField, isUserFieldName, standardField } from './lead-fields.ts'
import { fieldOut } from './lead-read.ts'
import { parseDateValue } from './dates.ts'

type Op = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | '!in' | 'like' | 'pattern' | '!like'

// Longest prefixes first so that "!@" is not read as "!" + "@FIELD".
const PREFIXES: Array<[string, Op]> = [
  ['!@', '!in'], ['!=', '!='], ['!%', '!like'], ['=%', 'pattern'], ['%=', 'pattern'], ['>=', '>='], ['<=', '<='],
  ['!', '!='], ['=', '='], ['%', 'like'], ['>', '>'], ['<', '<'], ['@', 'in']
]

export interface Condition { field: string, op: Op, value: unknown }

export function parseFilterKey (key: string): { field: string, op: Op } {
  for (const [prefix, op] of PREFIXES) {
    if (key.startsWith(prefix)) return { field: key.slice(prefix.length), op }
  }
  return { field: key, op: '=' }
}

/** Filter keys that name no known field are ignored, as the portal does. */
export function parseFilter (filter: Record<string, unknown>): Condition[] {
  return Object.entries(filter)
    .map(([key, value]) => ({ ...parseFilterKey(key), value }))
    .filter(c => standardField(c.field) !== undefined || isUserFieldName(c.field))
}

const isNumeric = (s: string): boolean => /^-?\d+(\.\d+)?$/.test(s)

/** Compare as dates for date fields, as numbers when both sides are numeric, else as strings. */
function compare (field: string, a: string, b: string): number {
  const type = standardField(field)?.type
  if (type === 'date' || type === 'datetime') {
    const x = parseDateValue(a)
    const y = parseDateValue(b)
    if (x !== null && y !== null) return x - y
  }
  if (isNumeric(a) && isNumeric(b)) return Number(a) - Number(b)
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * SQL LIKE (`%` any run, `_` one character, case ignored) by the greedy wildcard walk with one
 * backtrack point: O(pattern × value), where a regex of several `.*` is polynomial in the value.
 */
export function likeMatches (pattern: string, value: string): boolean {
  const p = pattern.toLowerCase()
  const s = value.toLowerCase()
  let pi = 0
  let si = 0
  let star = -1
  let resume = 0
  while (si < s.length) {
    if (pi < p.length && p[pi] !== '%' && (p[pi] === '_' || p[pi] === s[si])) {
      pi++
      si++
    } else if (pi < p.length && p[pi] === '%') {
      star = pi++
      resume = si
    } else if (star !== -1) {
      pi = star + 1
      si = ++resume
    } else {
      return false
    }
  }
  while (pi < p.length && p[pi] === '%') pi++
  return pi === p.length
}

function matchOne (field: string, op: Op, actual: string, wanted: unknown): boolean {
  const w = scalarString(wanted)
  switch (op) {
    case '=': return compare(field, actual, w) === 0
    case '!=': return compare(field, actual, w) !== 0
    case '>': return actual !== '' && compare(field, actual, w) > 0
    case '>=': return actual !== '' && compare(field, actual, w) >= 0
    case '<': return actual !== '' && compare(field, actual, w) < 0
    case '<=': return actual !== '' && compare(field, actual, w) <= 0
    case 'in': return toList(wanted).some(v => compare(field, actual, scalarString(v)) === 0)
    case '!in': return !toList(wanted).some(v => compare(field, actual, scalarString(v)) === 0)
    case 'like': return actual.toLowerCase().includes(w.toLowerCase())
    case '!like': return !actual.toLowerCase().includes(w.toLowerCase())
    case 'pattern': return likeMatches(w, actual)
  }
}

/** The values a field offers to a filter: one string, or every VALUE of a multifield. */
function actualValues (field: string, lead: StoredLead, state: PortalState): string[] {
  const out = fieldOut(field, lead, state)
  if (isMultiField(field)) return (out as Array<{ VALUE: string }>).map(i => i.VALUE)
  if (Array.isArray(out)) return out.map(scalarString)
  return [scalarString(out)]
}

export function matches (lead: StoredLead, conditions: Condition[], state: PortalState): boolean {
  return conditions.every(({ field, op, value }) => {
    const values = actualValues(field, lead, state)
    const negative = op === '!=' || op === '!in' || op === '!like'
    // A multifield matches when any of its values does; a negative condition must hold for all of them.
    if (values.length === 0) return matchOne(field, op, '', value)
    return negative ? values.every(v => matchOne(field, op, v, value)) : values.some(v => matchOne(field, op, v, value))
  })
}

/** Sort by the `order` map (FIELD: ASC|DESC), then by ID ascending. */
export function sortLeads (leads: StoredLead[], order: Record<string, unknown>, state: PortalState): StoredLead[] {
  const keys = Object.entries(order)
    .filter(([f]) => standardField(f) !== undefined || isUserFieldName(f))
    .map(([f, dir]) => ({ field: f, sign: scalarString(dir).toUpperCase() === 'DESC' ? -1 : 1 }))
  return [...leads].sort((a, b) => {
    for (const { field, sign } of keys) {
      const c = compare(field, scalarString(fieldOut(field, a, state)), scalarString(fieldOut(field, b, state)))
      if (c !== 0) return c * sign
    }
    return a.ID - b.ID
  })
}
