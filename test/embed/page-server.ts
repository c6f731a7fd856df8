/**
 * A tiny site on 127.0.0.1 for the embed script's browser tests: serves whatever HTML a test puts at a
 * path, and hands form posts to a test's handler (a WordPress stand-in), which answers with a redirect.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PageServer {
  url: string
  /** Serves `html` at `path` (query strings are ignored when matching). */
  set: (path: string, html: string) => void
  /** Handles POSTs to `path`: gets the raw body and headers, returns where to redirect (303). */
  onPost: (path: string, handler: PostHandler) => void
  close: () => Promise<void>
}

export type PostHandler = (body: string, headers: IncomingHttpHeaders) => Promise<string>

export async function startPageServer (): Promise<PageServer> {
  const pages = new Map<string, string>()
  const posts = new Map<string, PostHandler>()
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const handler = req.method === 'POST' ? posts.get(path) : undefined
    if (handler !== undefined) {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        handler(Buffer.concat(chunks).toString('utf8'), req.headers).then(
          (location) => { res.writeHead(303, { location }); res.end() },
          () => { res.writeHead(500); res.end('failed') })
      })
      return
    }
    const html = pages.get(path)
    res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(html ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, html) => { pages.set(path, html) },
    onPost: (path, handler) => { posts.set(path, handler) },
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** A page in Russian that loads embed.js from the relay; `script` holds extra attributes for its tag. */
export function page (relayUrl: string, title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>${title}</title>
<script src="${relayUrl}/embed.js" defer ${script}></script></head><body>${body}</body></html>`
}
