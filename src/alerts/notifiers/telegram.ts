/** Alerts as a Telegram message through the Bot API (`sendMessage`). The bot token never reaches a log line. */
import type { Notice, Notifier } from '../types.ts'

export function telegramNotifier (opts: { token: string, chatId: string | number, apiUrl: string, source: string }): Notifier {
  const endpoint = `${opts.apiUrl.replace(/\/+$/, '')}/bot${opts.token}/sendMessage`
  const hide = (text: string): string => text.split(opts.token).join('***')
  return {
    channel: 'telegram',
    send: async (notice: Notice, signal: AbortSignal) => {
      let res: Response
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            chat_id: opts.chatId,
            text: `${notice.status === 'problem' ? '⚠️' : '✅'} [${opts.source}] ${notice.text}`,
            disable_web_page_preview: true
          }),
          signal
        })
      } catch (err) {
        const cause = (err as { cause?: { message?: string } }).cause?.message
        throw new Error(hide(`Telegram could not be reached: ${cause ?? (err as Error).message}`))
      }
      const body = await res.json().catch(() => ({})) as { ok?: boolean, description?: string }
      if (!res.ok || body.ok !== true) {
        throw new Error(hide(`Telegram answered HTTP ${res.status}: ${String(body.description ?? 'no description')}`))
      }
    }
  }
}
