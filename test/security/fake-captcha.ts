/**
 * A local stand-in for the five CAPTCHA verify endpoints on 127.0.0.1. The token decides the answer:
 * `good`, `bad`, `score:<n>`, `action:<name>`, `http500`, `garbage`, `slow`. Every request is kept.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface VerifyCall { path: string, params: Record<string, string>, contentType: string }

export interface FakeCaptcha {
  url: string
  calls: VerifyCall[]
  close: () => Promise<void>
}

export async function startFakeCaptcha (): Promise<FakeCaptcha> {
  const calls: VerifyCall[] = []
  const timers = new Set<NodeJS.Timeout>()
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')))
      const path = req.url ?? '/'
      calls.push({ path, params, contentType: String(req.headers['content-type'] ?? '') })
      const token = params.response ?? params.token ?? ''
      const yandex = path.startsWith('/yandex')
      const send = (status: number, body: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(typeof body === 'string' ? body : JSON.stringify(body))
      }
      if (token === 'http500') return send(500, { error: 'down' })
      if (token === 'garbage') return send(200, '<html>not json')
      if (token === 'slow') {
        const timer = setTimeout(() => { timers.delete(timer); send(200, { success: true }) }, 3000)
        timers.add(timer)
        return
      }
      const ok = token === 'good' || token.startsWith('score:') || token.startsWith('action:')
      if (yandex) {
        return send(
          200,
          ok ? { status: 'ok', message: '', host: 'shop.example' } : { status: 'failed', message: 'Token invalid or expired.' }
        )
      }
      send(200, {
        success: ok,
        ...(ok ? {} : { 'error-codes': ['invalid-input-response'] }),
        ...(token.startsWith('score:') ? { score: Number(token.slice(6)), action: 'submit' } : {}),
        ...(token.startsWith('action:') ? { action: token.slice(7), score: 0.9 } : {})
      })
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    close: async () => {
      for (const t of timers) clearTimeout(t)
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
