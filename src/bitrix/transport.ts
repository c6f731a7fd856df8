/** One JSON POST to the portal with a hard deadline and a body size cap; failures become BitrixErrors. */
import { request, type Dispatcher } from 'undici'
import { classifyNetworkError } from './classify.ts'
import { BitrixError } from './errors.ts'

export interface PostOptions {
  dispatcher: Dispatcher
  timeoutMs: number
  userAgent: string
  /** Replies larger than this are cut off: no Bitrix24 reply the relay reads comes near it. */
  maxBodyBytes: number
  method?: string
}

export interface RawReply {
  status: number
  text: string
  location?: string
}

function headerValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export async function postJson (url: string, json: string, opts: PostOptions): Promise<RawReply> {
  // headersTimeout/bodyTimeout only bound the gaps between bytes; the signal bounds the whole exchange
  // (a reply trickled one byte at a time would otherwise never time out).
  const deadline = AbortSignal.timeout(opts.timeoutMs)
  const ctx = { method: opts.method }
  let res: Dispatcher.ResponseData
  try {
    res = await request(url, {
      method: 'POST',
      dispatcher: opts.dispatcher,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': opts.userAgent
      },
      body: json,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
      signal: deadline
    })
  } catch (err) {
    throw classifyNetworkError(deadline.aborted ? deadline.reason : err, 'request', ctx)
  }

  const location = headerValue(res.headers.location)
  if (res.statusCode >= 300 && res.statusCode < 400) {
    // The body of a redirect is never used; drain a little of it so the connection can be reused.
    await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined)
    return { status: res.statusCode, text: '', ...(location !== undefined ? { location } : {}) }
  }

  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > opts.maxBodyBytes) {
        // Leaving the loop by throwing destroys the stream (and its connection).
        throw new BitrixError({
          kind: 'bad_reply',
          message: `the reply is larger than ${opts.maxBodyBytes} bytes (HTTP ${res.statusCode})`,
          retryable: true,
          // A 2xx was already sent: the method ran, we just cannot read what it returned.
          outcomeUnknown: true,
          status: res.statusCode,
          method: opts.method
        })
      }
      chunks.push(buf)
    }
  } catch (err) {
    throw classifyNetworkError(deadline.aborted ? deadline.reason : err, 'response', ctx)
  }
  return { status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ...(location !== undefined ? { location } : {}) }
}
