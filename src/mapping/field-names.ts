/** Submitted field names: exact-then-case-insensitive lookup, technical fields to drop, readable labels. */
import type { Messages } from './messages.ts'

/**
 * Finds a config entry for a submitted name: the exact key first, then a key equal ignoring case — but
 * never through a key that another submitted field matches exactly, so "Name" cannot steal "name" —
 * then the first pattern key (`tel-*`: `*` is any run of characters, case ignored) in config order.
 * Patterns exist for generated names such as Contact Form 7's `tel-123` and `menu-456`.
 */
export function createKeyLookup<T> (config: Readonly<Record<string, T>>, submitted: readonly string[]): (name: string) => T | undefined {
  const { entries, patterns } = compiledKeys(config)
  const exactlySubmitted = new Set(submitted)
  const byLowerCase = new Map<string, T>()
  for (const [key, lower, value] of entries) {
    if (!exactlySubmitted.has(key) && !byLowerCase.has(lower)) byLowerCase.set(lower, value)
  }
  return (name) => {
    if (Object.hasOwn(config, name)) return config[name]
    const found = byLowerCase.get(name.toLowerCase())
    if (found !== undefined || patterns.length === 0) return found
    return patterns.find(([pattern]) => matchesKeyPattern(pattern, name))?.[1]
  }
}

interface CompiledKeys<T> { entries: Array<[string, string, T]>, patterns: Array<[string, T]> }
// Per config object: a reload brings new objects, so nothing goes stale and nothing is sorted out per request.
const compiled = new WeakMap<object, CompiledKeys<unknown>>()

function compiledKeys<T> (config: Readonly<Record<string, T>>): CompiledKeys<T> {
  let keys = compiled.get(config) as CompiledKeys<T> | undefined
  if (keys === undefined) {
    keys = { entries: [], patterns: [] }
    for (const [key, value] of Object.entries(config)) {
      if (key.includes('*')) keys.patterns.push([key, value])
      else keys.entries.push([key, key.toLowerCase(), value])
    }
    compiled.set(config, keys)
  }
  return keys
}

/** `tel-*` as a matcher; every other character stands for itself. */
export function keyPattern (key: string): { test: (name: string) => boolean } {
  return { test: (name) => matchesKeyPattern(key, name) }
}

/**
 * Does `name` match the pattern key (`tel-*`: `*` is any run of characters, case ignored)? The
 * greedy wildcard match with one backtrack point: O(pattern × name) at worst, where a regex with
 * several `.*` would be polynomial in the visitor's field name.
 */
export function matchesKeyPattern (pattern: string, name: string): boolean {
  const p = pattern.toLowerCase()
  const s = name.toLowerCase()
  let pi = 0
  let si = 0
  let star = -1
  let resume = 0
  while (si < s.length) {
    if (pi < p.length && p[pi] !== '*' && p[pi] === s[si]) {
      pi++
      si++
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++
      resume = si
    } else if (star !== -1) {
      pi = star + 1
      si = ++resume
    } else {
      return false
    }
  }
  while (pi < p.length && p[pi] === '*') pi++
  return pi === p.length
}

/**
 * Finds a submitted field for a configured name (a required field, a {{placeholder}}, a product URL
 * source): the exact name first, then the first submitted name equal ignoring case.
 */
export function findSubmitted (submitted: readonly string[], wanted: string): string | undefined {
  const index = indexOf(submitted)
  return index.exact.has(wanted) ? wanted : index.byLowerCase.get(wanted.toLowerCase())
}

interface SubmittedIndex { exact: ReadonlySet<string>, byLowerCase: ReadonlyMap<string, string> }
// One mapping looks up a few dozen configured names (required fields, sources, placeholders) in the
// same submitted list: it is indexed once, on first use, instead of lower-casing every name per look-up.
const indexes = new WeakMap<readonly string[], SubmittedIndex>()

function indexOf (submitted: readonly string[]): SubmittedIndex {
  let index = indexes.get(submitted)
  if (index === undefined) {
    const byLowerCase = new Map<string, string>()
    for (const name of submitted) {
      const lower = name.toLowerCase()
      if (!byLowerCase.has(lower)) byLowerCase.set(lower, name)
    }
    index = { exact: new Set(submitted), byLowerCase }
    indexes.set(submitted, index)
  }
  return index
}

// Form plumbing (nonces, captcha tokens, honeypots, CF7 internals): never the visitor's words.
const TECHNICAL_PREFIXES = [
  '_wpcf7', '_charset_', '_gotcha', '_next', '_ts', '_wpnonce',
  'g-recaptcha-response', 'cf-turnstile-response', 'h-captcha-response', 'smart-token'
]

export function isTechnicalField (name: string): boolean {
  const lower = name.toLowerCase()
  return TECHNICAL_PREFIXES.some((prefix) => lower.startsWith(prefix))
}

/**
 * The label of a COMMENTS line: the form's own label, else a readable name for a CF7 special tag
 * (_remote_ip → "IP address"), else the field name without a PHP "[]" suffix.
 */
export function labelOf (name: string, labels: (name: string) => string | undefined, messages: Messages): string {
  const configured = labels(name)
  if (configured !== undefined && configured.trim() !== '') return configured.trim()
  const lower = name.toLowerCase()
  if (Object.hasOwn(messages.specialTags, lower)) return messages.specialTags[lower] as string
  const bare = name.replace(/\[\]$/, '')
  return bare !== '' ? bare : name
}
