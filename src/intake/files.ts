/**
 * Files posted with a submission, for forms with `files`: multipart uploads (streamed with a size
 * cap), Contact Form 7 base64 objects ({filename, content}) and CF7 file links (URLs in the
 * configured fields, fetched later at delivery). Type, size and count are checked here, so a
 * refused file is answered at once: 415 RELAY_ERR_FILE_TYPE, 413 RELAY_ERR_FILE_TOO_LARGE or
 * RELAY_ERR_TOO_MANY_FILES; once every file is in, the bytes themselves are checked against the
 * accepted types (verifyContent: 415 RELAY_ERR_FILE_CONTENT). Kept files are stored base64 in the
 * submission's payload.
 */
import { fileTypeAllowed, guessType, type StoredFile } from '../domain/stored-file.ts'
import type { RelayConfig } from '../config/schema.ts'
import {
  FileContentError, FileTooLargeError, FileTypeError, MalformedFileError, MalformedFileLinkError, TooManyFilesError
} from '../errors.ts'
import { checkFileContent } from '../security/file-content.ts'

export type FileRulesConfig = NonNullable<RelayConfig['forms'][string]['files']>

const NAME_MAX = 200

/** A visitor's file name without any path, control characters or quotes; never empty. */
export function safeFileName (raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex -- control characters are what this strips
  const clean = base.replace(/[\u0000-\u001F\u007F"<>|*?:]/g, '').trim().slice(0, NAME_MAX)
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean
}

/** busboy may hand names over as latin1 bytes while browsers send UTF-8; an already decoded name is kept. */
export function decodePartName (latin1: string): string {
  // eslint-disable-next-line no-control-regex -- the range starts at U+0000 to mean "beyond latin1"
  if (/[^\u0000-\u00FF]/.test(latin1)) return latin1
  const bytes = Buffer.from(latin1, 'latin1')
  const utf8 = bytes.toString('utf8')
  return utf8.includes('\uFFFD') ? latin1 : utf8
}

export class FileCollector {
  readonly #items: StoredFile[] = []
  constructor (readonly rules: FileRulesConfig) {}

  items (): StoredFile[] {
    return [...this.#items]
  }

  #admit (name: string, type: string): void {
    if (this.#items.length >= this.rules.maxFiles) throw new TooManyFilesError(this.rules.maxFiles)
    if (!fileTypeAllowed(name, type, this.rules.types)) throw new FileTypeError(name.slice(0, 80), type.slice(0, 80))
  }

  /** A multipart file part, read up to maxBytes; one byte more refuses the submission. */
  async addStream (field: string, rawName: string, mimetype: string, stream: AsyncIterable<unknown>): Promise<StoredFile> {
    const name = safeFileName(decodePartName(rawName))
    const type = mimetype === '' || mimetype === 'application/octet-stream' ? guessType(name) : mimetype
    this.#admit(name, type)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of stream) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > this.rules.maxBytes) throw new FileTooLargeError(name.slice(0, 80), this.rules.maxBytes)
      chunks.push(buf)
    }
    const file: StoredFile = { field, name, type, size, content: Buffer.concat(chunks).toString('base64') }
    this.#items.push(file)
    return file
  }

  /** CF7's {filename, content} object; content is base64 (a data: prefix is tolerated). */
  addBase64 (field: string, value: { filename: string, content?: unknown, type?: unknown }): StoredFile {
    const name = safeFileName(value.filename)
    const type = typeof value.type === 'string' && value.type !== '' ? value.type : guessType(name)
    this.#admit(name, type)
    const text = typeof value.content === 'string' ? value.content.replace(/^data:[^,]*,/, '').replace(/\s+/g, '') : ''
    if (text === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new MalformedFileError(name.slice(0, 80))
    const bytes = Buffer.from(text, 'base64')
    if (bytes.length > this.rules.maxBytes) throw new FileTooLargeError(name.slice(0, 80), this.rules.maxBytes)
    const file: StoredFile = { field, name, type, size: bytes.length, content: bytes.toString('base64') }
    this.#items.push(file)
    return file
  }

  /** Every kept file's bytes against the form's types (src/security/file-content.ts); the name alone proves nothing. */
  async verifyContent (): Promise<void> {
    for (const file of this.#items) {
      if (file.content === undefined) continue
      const verdict = await checkFileContent(file.name, file.type, Buffer.from(file.content, 'base64'), this.rules.types)
      if (!verdict.ok) throw new FileContentError(file.name.slice(0, 80))
    }
  }

  /** CF7 file links in the configured fields: http(s) URLs, kept to fetch at delivery. */
  addLinks (values: Record<string, string | string[]>): void {
    for (const field of this.rules.fields) {
      const raw = values[field]
      for (const text of (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).flatMap(v => v.split(/\s+/))) {
        let url: URL
        try { url = new URL(text) } catch { continue }
        if (url.protocol !== 'https:' && url.protocol !== 'http:') continue
        const name = safeFileName(linkFileName(url))
        this.#admit(name, guessType(name))
        this.#items.push({ field, name, type: guessType(name), size: 0, url: url.href })
      }
    }
  }
}

/** The last path segment, percent-decoded; a broken escape (`%zz`, a lone `%E0`) is the visitor's error, 400. */
function linkFileName (url: URL): string {
  const segment = url.pathname.split('/').pop() ?? ''
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new MalformedFileLinkError(segment.slice(0, 80))
  }
}

/** The route's body limit: JSON with base64 files is larger than a text form (base64 adds a third). */
export function intakeBodyLimit (config: RelayConfig): number {
  let limit = config.limits.bodyBytes
  for (const form of Object.values(config.forms)) {
    if (form.files === undefined) continue
    const base64Files = form.files.maxFiles * Math.ceil(form.files.maxBytes / 3) * 4
    limit = Math.max(limit, config.limits.bodyBytes + base64Files + 64 * 1024)
  }
  return limit
}
