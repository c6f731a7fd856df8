/** Alerts as e-mail over SMTP (nodemailer). The subject says what and whether it cleared; the body adds when. */
import type { Transporter } from 'nodemailer'
import type { Notice, Notifier } from '../types.ts'

export interface EmailOptions {
  host: string
  port: number
  secure: boolean
  user?: string | undefined
  password?: string | undefined
  from: string
  to: string | string[]
  source: string
}

export function emailNotifier (opts: EmailOptions): Notifier {
  // nodemailer loads with the first notice, not at start: most relays send none, and it costs memory.
  let transport: Promise<Transporter> | undefined
  const transportOf = async (): Promise<Transporter> => {
    transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
      host: opts.host,
      port: opts.port,
      secure: opts.secure,
      ...(opts.user !== undefined ? { auth: { user: opts.user, pass: opts.password ?? '' } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000
    }))
    return await transport
  }
  return {
    channel: 'email',
    send: async (notice: Notice, signal: AbortSignal) => {
      const subject = `[${opts.source}] ${notice.status === 'problem' ? 'Problem' : 'Cleared'}: ${notice.key}`
      const text = `${notice.text}\n\nCheck: ${notice.check}\nAt: ${new Date(notice.at).toISOString()}\n`
      // nodemailer takes no signal: the race lets the monitor move on; the transport's own timeouts end the attempt.
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => { reject(new Error('the SMTP server did not answer in time')) }
        signal.addEventListener('abort', onAbort, { once: true })
        const sent = transportOf().then(async t => await t.sendMail({ from: opts.from, to: opts.to, subject, text }))
        sent.then(() => resolve(), (err: Error) => {
          reject(new Error(`SMTP refused the notice: ${err.message}`))
        }).finally(() => signal.removeEventListener('abort', onAbort))
      })
    },
    close: () => transport?.then(t => { t.close() }, () => {})
  }
}
