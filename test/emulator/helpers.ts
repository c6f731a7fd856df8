/** Test helpers: call the emulator over real HTTP and read its JSON answers. */
import { request } from 'undici'

export interface RestReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
}

export type BodyKind = 'json' | 'form' | 'raw'

/** POST `payload` to `<webhookUrl><method>`: an object as JSON, a string as urlencoded form (or raw with a content type). */
export async function call (
  webhookUrl: string,
  method: string,
  payload?: unknown,
  opts: { contentType?: string, query?: string, httpMethod?: 'GET' | 'POST' } = {}
): Promise<RestReply> {
  const url = webhookUrl + method + (opts.query !== undefined ? '?' + opts.query : '')
  const isText = typeof payload === 'string'
  const contentType = opts.contentType ?? (isText ? 'application/x-www-form-urlencoded' : 'application/json')
  const res = await request(url, {
    method: opts.httpMethod ?? 'POST',
    headers: payload === undefined ? {} : { 'content-type': contentType, accept: 'application/json' },
    body: payload === undefined ? undefined : isText ? payload : JSON.stringify(payload)
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
}

export async function getJson (url: string): Promise<any> {
  const res = await request(url)
  return await res.body.json()
}

export async function postJson (url: string, payload: unknown): Promise<{ status: number, body: any }> {
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
  return { status: res.statusCode, body: await res.body.json() }
}
