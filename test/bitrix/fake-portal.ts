/** A scripted HTTP server on 127.0.0.1 standing in for a Bitrix24 portal in client tests. */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach } from 'vitest'
import { createBitrixClient, type BitrixClient, type BitrixClientOptions } from '../../src/bitrix/client.ts'

export interface SeenRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: string
  /** The body parsed as JSON, or undefined. */
  json: any
}

export type Handler = (req: SeenRequest, res: ServerResponse, index: number) => void | Promise<void>

export interface FakePortal {
  /** http://127.0.0.1:<port> */
  origin: string
  /** A webhook base on this server: <origin>/rest/1/s3cr3tc0de/ */
  webhook: string
  requests: SeenRequest[]
  close: () => Promise<void>
}

export const SECRET = 's3cr3tc0de'

export function sendJson (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
  res.end(text)
}

export async function startFakePortal (handler: Handler): Promise<FakePortal> {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      let json: unknown
      try { json = JSON.parse(body) } catch { json = undefined }
      const seen: SeenRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json }
      requests.push(seen)
      Promise.resolve(handler(seen, res, requests.length - 1)).catch((err: unknown) => {
        res.destroy(err instanceof Error ? err : new Error(String(err)))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const origin = `http://127.0.0.1:${port}`
  return {
    origin,
    webhook: `${origin}/rest/1/${SECRET}/`,
    requests,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

/** Bodies as documented for a live portal (reference sections 2, 3, 7, 9). */
export const TIME = {
  start: 1705764932.998683,
  finish: 1705764937.173995,
  duration: 4.1753120422363,
  processing: 3.3076529502869,
  date_start: '2024-01-20T18:35:32+01:00',
  date_finish: '2024-01-20T18:35:37+01:00',
  operating_reset_at: 1705765533,
  operating: 3.3076241016388
}

/**
 * Fake portals and clients that are closed after each test: call once at the top of a test file.
 */
export function trackedPortals (): {
  portal: (handler: Handler) => Promise<FakePortal>
  client: (opts: BitrixClientOptions) => BitrixClient
  track: (close: () => Promise<void>) => void
} {
  const cleanup: Array<() => Promise<void>> = []
  afterEach(async () => {
    while (cleanup.length > 0) await cleanup.pop()?.()
  })
  return {
    track: close => { cleanup.push(close) },
    portal: async (handler) => {
      const p = await startFakePortal(handler)
      cleanup.push(p.close)
      return p
    },
    client: (opts) => {
      const c = createBitrixClient(opts)
      cleanup.push(c.close)
      return c
    }
  }
}
