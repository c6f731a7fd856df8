/**
 * Whether a file's bytes are what the form accepts, whatever its name says. The name and the
 * declared MIME type are the visitor's word; the magic bytes (the `file-type` package) are not.
 *
 * The rule:
 * - content file-type recognises must itself be an accepted type (by MIME type or by its usual
 *   extension). Office files are containers: a .docx / .xlsx / .odt that reads as a plain ZIP, or
 *   a .doc / .xls that reads as an OLE compound file, is taken as the name says when that name is
 *   accepted;
 * - content file-type does not recognise (it has no magic bytes) is accepted only when the name or
 *   type is a text type (text/*, .txt, .csv) and the bytes look like text: no NUL and no control
 *   characters other than tab, line feed, form feed and carriage return (or a UTF-16 text with
 *   its byte-order mark). Anything else without a signature (a "PDF" that is not one) is refused.
 * One pass over the bytes: linear, bounded by the form's maxBytes.
 */
import { fileTypeAllowed } from '../domain/stored-file.ts'

export type ContentVerdict = { ok: true } | { ok: false, reason: string }

const ZIP_BASED = new Set(['.docx', '.xlsx', '.pptx', '.odt', '.ods', '.odp'])
const OLE_BASED = new Set(['.doc', '.xls', '.ppt'])

const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.')
  return dot <= 0 ? '' : name.slice(dot).toLowerCase()
}

function isTextClaim (name: string, type: string): boolean {
  const ext = extensionOf(name)
  const mime = type.split(';')[0]?.trim().toLowerCase() ?? ''
  return ext === '.txt' || ext === '.csv' || mime.startsWith('text/')
}

// file-type and its tokenizers load on the first file, not at start: most relays never receive one.
let fileTypeModule: Promise<typeof import('file-type')> | undefined
const fileTypes = async (): Promise<typeof import('file-type')> => await (fileTypeModule ??= import('file-type'))

/** Text in any common charset (UTF-8, windows-1251, koi8-r…) has none of these bytes. */
export function looksLikeText (bytes: Uint8Array): boolean {
  const bom16 = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
  if (bom16) return bytes.length % 2 === 0
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return false
    if (b === 0x7f) return false
  }
  return true
}

export async function checkFileContent (name: string, type: string, bytes: Uint8Array, types: readonly string[]): Promise<ContentVerdict> {
  const found = await (await fileTypes()).fileTypeFromBuffer(bytes)
  if (found !== undefined) {
    if (fileTypeAllowed(`file.${found.ext}`, found.mime, types)) return { ok: true }
    const ext = extensionOf(name)
    const claimedAllowed = fileTypeAllowed(name, type, types)
    if (claimedAllowed && found.ext === 'zip' && ZIP_BASED.has(ext)) return { ok: true }
    if (claimedAllowed && found.ext === 'cfb' && OLE_BASED.has(ext)) return { ok: true }
    return { ok: false, reason: `the content is ${found.mime} (.${found.ext}), not an accepted type` }
  }
  if (!isTextClaim(name, type)) return { ok: false, reason: 'the content has no signature of an accepted type' }
  if (!looksLikeText(bytes)) return { ok: false, reason: 'a text file whose content is not text' }
  return { ok: true }
}
