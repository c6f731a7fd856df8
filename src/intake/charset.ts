/**
 * Turns body bytes into text in the charset the page used. Older Russian sites still post
 * windows-1251 or koi8-r (`accept-charset`); iconv-lite does the decoding, never hand-written tables.
 */
import iconv from 'iconv-lite'
import { UndecodableBodyError, UnsupportedCharsetError } from '../errors.ts'

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

/** Canonical charset name, or an UnsupportedCharsetError for a name no decoder knows. */
export function resolveCharset (name: string): string {
  const n = name.trim().toLowerCase().replace(/^"|"$/g, '')
  if (n === 'utf-8' || n === 'utf8') return 'utf-8'
  if (!iconv.encodingExists(n)) throw new UnsupportedCharsetError(name.slice(0, 40))
  return n
}

/** Decodes bytes; UTF-8 is checked strictly so mislabelled windows-1251 bytes are an error, not mojibake. */
export function decodeBytes (bytes: Buffer, charset: string): string {
  if (charset === 'utf-8') {
    try {
      return utf8.decode(bytes)
    } catch {
      throw new UndecodableBodyError('UTF-8')
    }
  }
  return iconv.decode(bytes, charset)
}

/** The charset parameter of a Content-Type header, if any. */
export function charsetOf (contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined
  const m = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType)
  return m?.[2]
}
