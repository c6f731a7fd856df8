/** A tiny site on 127.0.0.1 for the embed script's browser tests: serves whatever HTML a test puts at a path. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface PageServer {
  url: string
  /** Serves `html` at `path` (query strings are ignored when matching). */
  set: (path: string, html: string) => void
  close: () => Promise<void>
}

export async function startPageServer (): Promise<PageServer> {
  const pages = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    const html = pages.get(path)
    res.writeHead(html === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(html ?? 'not found')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    set: (path, html) => { pages.set(path, html) },
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
