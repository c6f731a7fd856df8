/**
 * Decodes a raw urlencoded, JSON or multipart body into submitted values, in the charset the page
 * used: the Content-Type's charset, else the `_charset_` field browsers fill in, else the form's
 * configured charset, else UTF-8 (checked strictly).
 */
import type { Multipart, MultipartFile } from '@fastify/multipart'
import { EmptyBodyError, MalformedJsonError, MalformedMultipartError, MalformedUrlencodedError } from '../errors.ts'
import { decodeBytes, resolveCharset } from './charset.ts'
import type { FileCollector } from './files.ts'
import { ValuesBuilder, valuesFromJson, type SubmittedValues, type ValueLimits } from './submitted-values.ts'

export interface CharsetHints {
  /** The charset parameter of the Content-Type header. */
  declared?: string
  /** The form's configured charset for bodies that declare none. */
  form?: string
}

const BAD_PERCENT = /%(?![0-9a-fA-F]{2})/

/**
 * Percent-decoding to bytes (not text): the charset decides what the bytes mean afterwards. `+` is
 * a space and `%2B` a plus. The caller has checked that every `%` has two hex digits; reading them
 * as char codes keeps a Cyrillic body (six characters per letter) free of a string per escape.
 */
function percentDecode (latin1: string): Buffer {
  const out = Buffer.allocUnsafe(latin1.length)
  let n = 0
  for (let i = 0; i < latin1.length; i++) {
    const ch = latin1.charCodeAt(i)
    if (ch === 0x25 /* % */) {
      out[n++] = hexDigit(latin1.charCodeAt(i + 1)) * 16 + hexDigit(latin1.charCodeAt(i + 2))
      i += 2
    } else {
      out[n++] = ch === 0x2b /* + */ ? 0x20 : ch
    }
  }
  return out.subarray(0, n)
}

/** 0-9, a-f, A-F to its value (the caller checked it is one of them). */
function hexDigit (code: number): number {
  return code <= 0x39 ? code - 0x30 : (code | 0x20) - 0x57
}

function pickCharset (hints: CharsetHints, charsetField?: string): string {
  return resolveCharset(hints.declared ?? charsetField ?? hints.form ?? 'utf-8')
}

/** application/x-www-form-urlencoded, percent-decoded to bytes first so any charset decodes right. */
export function decodeUrlencoded (bytes: Buffer, hints: CharsetHints, limits: ValueLimits): SubmittedValues {
  // The body is ASCII when percent-encoded; latin1 keeps any raw 8-bit bytes (curl -d 'name=Иван') intact.
  const text = bytes.toString('latin1')
  if (text.trim() === '') throw new EmptyBodyError()
  const pairs: Array<[Buffer, Buffer]> = []
  let charsetField: string | undefined
  for (const part of text.split('&')) {
    if (part === '') continue
    if (BAD_PERCENT.test(part)) throw new MalformedUrlencodedError('a "%" is not followed by two hex digits')
    const eq = part.indexOf('=')
    const key = percentDecode(eq === -1 ? part : part.slice(0, eq))
    const value = percentDecode(eq === -1 ? '' : part.slice(eq + 1))
    if (key.toString('latin1') === '_charset_') charsetField = value.toString('latin1')
    pairs.push([key, value])
  }
  const charset = pickCharset(hints, charsetField)
  const builder = new ValuesBuilder(limits)
  for (const [key, value] of pairs) builder.add(decodeBytes(key, charset), decodeBytes(value, charset))
  return builder.build()
}

/** application/json, or text/plain holding JSON (what CF7's webhook falls back to). `files` keeps CF7's base64 file objects. */
export function decodeJson (bytes: Buffer, hints: CharsetHints, limits: ValueLimits, files?: FileCollector): SubmittedValues {
  const text = decodeBytes(bytes, pickCharset(hints)).replace(/^\uFEFF/, '')
  if (text.trim() === '') throw new EmptyBodyError()
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new MalformedJsonError((err as Error).message.slice(0, 120))
  }
  return valuesFromJson(data, limits, files)
}

/**
 * multipart/form-data: text parts are read as latin1 (raw bytes) and decoded once the charset is
 * known, because `_charset_` may arrive after the fields it describes. A file part is kept by
 * `files` (a form with `files`: limits checked while it streams) or drained; either way its name
 * is noted among the values.
 */
export async function decodeMultipart (
  parts: AsyncIterableIterator<Multipart>, hints: CharsetHints, limits: ValueLimits, files?: FileCollector
): Promise<SubmittedValues> {
  // A file note is already text; a field's bytes wait for the charset.
  const raw: Array<{ key: string, bytes?: Buffer, note?: string }> = []
  let charsetField: string | undefined
  for await (const part of parts) {
    // busboy passes on a part whose Content-Disposition has no name; it names no field.
    if (typeof part.fieldname !== 'string') throw new MalformedMultipartError('a part has no field name')
    if (part.type === 'file') {
      if (part.filename === '') {
        await drain(part)
        continue
      }
      const kept = files === undefined ? undefined : await files.addStream(part.fieldname, part.filename, part.mimetype, part.file)
      if (kept === undefined) await drain(part)
      raw.push({ key: part.fieldname, note: `${kept?.name ?? part.filename} (attachment)` })
      continue
    }
    const bytes = Buffer.from(String(part.value), 'latin1')
    if (part.fieldname === '_charset_') charsetField = bytes.toString('latin1')
    raw.push({ key: part.fieldname, bytes })
  }
  if (raw.length === 0) throw new EmptyBodyError()
  const charset = pickCharset(hints, charsetField)
  const builder = new ValuesBuilder(limits)
  for (const { key, bytes, note } of raw) {
    // busboy hands field names over as latin1 too (defCharset), so they decode the same way.
    builder.add(decodeBytes(Buffer.from(key, 'latin1'), charset), note ?? decodeBytes(bytes ?? Buffer.alloc(0), charset))
  }
  return builder.build()
}

async function drain (file: MultipartFile): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- reading the stream to its end is the point
  for await (const _chunk of file.file) { /* discard: this form keeps no files */ }
}
