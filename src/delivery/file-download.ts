/**
 * The files of a submission ready to send: bytes kept at intake pass through; a CF7 file link is
 * fetched now, at delivery, only when the form allows it (`files.download`), only over http(s),
 * within `files.maxBytes` and `files.downloadTimeoutMs`, without following redirects. A file that
 * cannot be had is named with the reason instead of failing the lead.
 */
import { request } from 'undici'
import { fileTypeAllowed, guessType, type FileRules, type StoredFile } from '../bitrix/lead-extras.ts'

export interface LoadedFile {
  name: string
  /** base64, absent when the file could not be had. */
  content?: string
  error?: string
}

async function download (url: string, rules: FileRules): Promise<{ content: string } | { error: string }> {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { error: 'not a URL' }
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { error: 'only http(s) links are fetched' }
  const signal = AbortSignal.timeout(rules.downloadTimeoutMs)
  try {
    const res = await request(parsed, { method: 'GET', signal, headers: { 'user-agent': 'b24-form-relay' } })
    if (res.statusCode !== 200) {
      await res.body.dump().catch(() => undefined)
      return { error: `HTTP ${res.statusCode}` }
    }
    const declared = Number(res.headers['content-length'] ?? NaN)
    if (Number.isFinite(declared) && declared > rules.maxBytes) {
      await res.body.dump().catch(() => undefined)
      return { error: `larger than ${rules.maxBytes} bytes` }
    }
    const type = String(res.headers['content-type'] ?? guessType(parsed.pathname))
    if (!fileTypeAllowed(parsed.pathname, type, rules.types) && !fileTypeAllowed(parsed.pathname, guessType(parsed.pathname), rules.types)) {
      await res.body.dump().catch(() => undefined)
      return { error: `type ${type.split(';')[0] ?? type} is not accepted` }
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length
      if (size > rules.maxBytes) {
        res.body.destroy()
        return { error: `larger than ${rules.maxBytes} bytes` }
      }
      chunks.push(chunk as Buffer)
    }
    return { content: Buffer.concat(chunks).toString('base64') }
  } catch (err) {
    return { error: signal.aborted ? `no answer within ${rules.downloadTimeoutMs} ms` : (err as Error).message.slice(0, 120) }
  }
}

export async function loadFiles (items: readonly StoredFile[], rules: FileRules): Promise<LoadedFile[]> {
  const out: LoadedFile[] = []
  for (const item of items) {
    if (item.content !== undefined) out.push({ name: item.name, content: item.content })
    else if (item.url === undefined) out.push({ name: item.name, error: 'no content' })
    else if (!rules.download) out.push({ name: item.name, error: 'a link; fetching links is off (files.download)' })
    else {
      const got = await download(item.url, rules)
      out.push('content' in got ? { name: item.name, content: got.content } : { name: item.name, error: got.error })
    }
  }
  return out
}
