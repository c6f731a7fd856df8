/** Local stand-ins for where alerts go: an HTTP sink (webhook and the Telegram Bot API) and an SMTP server. */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface HttpSink {
  url: string
  /** Each request: its path and parsed JSON body. */
  received: Array<{ path: string, body: Record<string, unknown> }>
  /** The status the sink answers with (default 200) and, for the Telegram API, its JSON. */
  answer: { status: number, json: unknown }
  close: () => Promise<void>
}

export async function startHttpSink (): Promise<HttpSink> {
  const received: HttpSink['received'] = []
  const answer: HttpSink['answer'] = { status: 200, json: { ok: true } }
  const server: Server = createServer((req, res) => {
    let text = ''
    req.setEncoding('utf8')
    req.on('data', (chunk: string) => { text += chunk })
    req.on('end', () => {
      try {
        received.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> })
      } catch {
        received.push({ path: req.url ?? '', body: { unparsed: text } })
      }
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer,
    close: async () => { await new Promise(resolve => server.close(resolve)) }
  }
}

export interface SmtpSink {
  port: number
  /** Each message: envelope recipients and the raw message text. */
  messages: Array<{ to: string[], raw: string }>
  close: () => Promise<void>
}

export async function startSmtpSink (): Promise<SmtpSink> {
  const messages: SmtpSink['messages'] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData (stream, session, callback) {
      let raw = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => { raw += chunk })
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map(r => r.address), raw })
        callback()
      })
    }
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as AddressInfo).port
  return { port, messages, close: async () => { await new Promise<void>(resolve => server.close(() => resolve())) } }
}
