/** Splits a /rest/... path into webhook credentials and a method name. */

export type RestPath =
  | { kind: 'noAuth', method: string }
  | { kind: 'webhook', userId: string, secret: string, method: string }

// `.json` is the default format; `.xml` is accepted in the path but the answer stays JSON here.
const stripFormat = (method: string): string => method.replace(/\.(json|xml)$/i, '')

const decode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** `url` is the request URL (path and optional query); the path must start with /rest/. */
export function parseRestPath (url: string): RestPath {
  const path = (url.split('?')[0] ?? '').replace(/^\/rest\/?/, '').replace(/\/$/, '')
  const segments = path === '' ? [] : path.split('/').map(decode)
  if (segments.length <= 1) return { kind: 'noAuth', method: stripFormat(segments[0] ?? '') }
  const [userId = '', secret = '', ...rest] = segments
  return { kind: 'webhook', userId, secret, method: stripFormat(rest.join('/')) }
}

export function queryString (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? '' : url.slice(q + 1)
}
