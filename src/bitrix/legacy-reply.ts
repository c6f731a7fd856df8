/**
 * Reads the legacy importer's reply: PHP's CUtil::PhpToJSObject output, which is JavaScript, not
 * JSON ({'error':'201','ID':'123'}: single quotes, numbers quoted, backslash escapes). The parser
 * takes both quote styles, bare keys and literals, and trailing commas; anything else is refused.
 */
import { z } from 'zod'

const MAX_DEPTH = 20

export class PhpJsSyntaxError extends Error {
  constructor (message: string, readonly at: number) {
    super(`${message} at position ${at}`)
    this.name = 'PhpJsSyntaxError'
  }
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', v: '\v', 0: '\0' }

const WORD = /(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/y
const HEX4 = /[0-9a-fA-F]{4}/y
const HEX2 = /[0-9a-fA-F]{2}/y
const BARE_KEY = /[A-Za-z_$][\w$]*|\d+/y

class Reader {
  i = 0
  constructor (readonly text: string) {}

  fail (what: string): never {
    throw new PhpJsSyntaxError(what, this.i)
  }

  /** The match of a sticky regex at the cursor, without copying the rest of the text for each token. */
  sticky (re: RegExp): string | undefined {
    re.lastIndex = this.i
    return re.exec(this.text)?.[0]
  }

  skipSpace (): void {
    while (this.i < this.text.length && /\s/.test(this.text[this.i] as string)) this.i++
  }

  peek (): string | undefined {
    this.skipSpace()
    return this.text[this.i]
  }

  value (depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nested too deeply')
    const ch = this.peek()
    if (ch === '{') return this.object(depth)
    if (ch === '[') return this.list(depth)
    if (ch === "'" || ch === '"') return this.string()
    const word = this.sticky(WORD)
    if (word === undefined) this.fail(ch === undefined ? 'unexpected end' : `unexpected "${ch}"`)
    this.i += word.length
    return word === 'true' ? true : word === 'false' ? false : word === 'null' ? null : Number(word)
  }

  string (): string {
    const quote = this.text[this.i++]
    let out = ''
    while (this.i < this.text.length) {
      const ch = this.text[this.i++] as string
      if (ch === quote) return out
      if (ch !== '\\') { out += ch; continue }
      const next = this.text[this.i++]
      if (next === undefined) break
      if (next === 'u' && this.sticky(HEX4) !== undefined) {
        out += String.fromCharCode(parseInt(this.text.slice(this.i, this.i + 4), 16))
        this.i += 4
      } else if (next === 'x' && this.sticky(HEX2) !== undefined) {
        out += String.fromCharCode(parseInt(this.text.slice(this.i, this.i + 2), 16))
        this.i += 2
      } else {
        // \' \" \\ \/ and any other escaped character stand for themselves.
        out += ESCAPES[next] ?? next
      }
    }
    return this.fail('unterminated string')
  }

  key (): string {
    const ch = this.peek()
    if (ch === "'" || ch === '"') return this.string()
    const bare = this.sticky(BARE_KEY)
    if (bare === undefined) this.fail('expected a key')
    this.i += bare.length
    return bare
  }

  object (depth: number): Record<string, unknown> {
    this.i++
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>
    while (this.peek() !== '}') {
      const key = this.key()
      if (this.peek() !== ':') this.fail('expected ":"')
      this.i++
      out[key] = this.value(depth + 1)
      const sep = this.peek()
      if (sep === ',') { this.i++; continue }
      if (sep !== '}') this.fail('expected "," or "}"')
    }
    this.i++
    return { ...out }
  }

  list (depth: number): unknown[] {
    this.i++
    const out: unknown[] = []
    while (this.peek() !== ']') {
      out.push(this.value(depth + 1))
      const sep = this.peek()
      if (sep === ',') { this.i++; continue }
      if (sep !== ']') this.fail('expected "," or "]"')
    }
    this.i++
    return out
  }
}

/** Parses one PhpToJSObject value (JSON is a subset and parses too); throws PhpJsSyntaxError. */
export function parsePhpJs (text: string): unknown {
  const reader = new Reader(text.replace(/^\uFEFF/, ''))
  const value = reader.value(0)
  if (reader.peek() !== undefined) reader.fail('unexpected text after the value')
  return value
}

const codeText = z.union([z.string(), z.number().transform(String)])

/** The fields of a lead.add / lead.get_fields reply the relay reads; the rest is tolerated. */
export const legacyReplySchema = z.object({
  error: codeText,
  ID: codeText.optional(),
  error_message: z.string().optional(),
  AUTH: z.string().optional()
}).loose()

export type LegacyReply = z.infer<typeof legacyReplySchema>
