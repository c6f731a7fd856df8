/** Alerts as a JSON POST; `text` is the field Slack and Mattermost incoming webhooks display. */
import type { Notice, Notifier } from '../types.ts'

export function webhookNotifier (opts: { url: string, headers?: Record<string, string>, source: string }): Notifier {
  return {
    channel: 'webhook',
    send: async (notice: Notice, signal: AbortSignal) => {
      const res = await fetch(opts.url, {
        method: 'POST',
        headers: { ...opts.headers, 'content-type': 'application/json' },
        body: JSON.stringify({
          text: `${notice.status === 'problem' ? ':warning:' : ':white_check_mark:'} [${opts.source}] ${notice.text}`,
          status: notice.status,
          check: notice.check,
          key: notice.key,
          source: opts.source,
          at: new Date(notice.at).toISOString()
        }),
        signal
      })
      await res.body?.cancel()
      if (!res.ok) throw new Error(`the webhook answered HTTP ${res.status}`)
    }
  }
}
