/**
 * The conditions an operator is told about. Each check turns a snapshot into the problems it sees
 * now; the monitor announces new ones and their clearing. A new condition is one more entry here.
 */
import { maskSecrets } from '../bitrix/mask.ts'
import { maskEmails, maskPhones } from '../observability/logger.ts'
import type { AlertCheck } from './types.ts'

const minutes = (ms: number): string => `${Math.max(1, Math.round(ms / 60_000))} min`
const megabytes = (bytes: number): string => `${Math.round(bytes / 1024 / 1024)} MB`
/** A portal's message may echo a visitor's value or the webhook: neither goes out in a notice. */
const safe = (text: string): string => maskPhones(maskEmails(maskSecrets(text))).slice(0, 200)

export const portalPaused: AlertCheck = {
  id: 'portal-paused',
  // paused_* states: the portal refused the webhook (revoked, 404, no crm scope); leads wait in the queue.
  find: ({ lanes }) => lanes.filter(l => l.state.startsWith('paused')).map(l => {
    const why = l.lastError === null ? 'the webhook is refused' : `${l.lastError.code}: ${safe(l.lastError.message)}`
    return {
      key: `portal-paused:${l.portalId}`,
      summary: `Portal "${l.portalId}" is paused (${l.state}): ${why}. ` +
        'New leads are kept and will be delivered once the webhook works again.'
    }
  })
}

export const deadLetters: AlertCheck = {
  id: 'dead-letters',
  find: ({ stats }) => Object.entries(stats.byPortal).filter(([, p]) => p.dead > 0).map(([portalId, p]) => ({
    key: `dead-letters:${portalId}`,
    summary: `Portal "${portalId}" has ${p.dead} dead letter${p.dead === 1 ? '' : 's'}: submissions the portal refused. ` +
      'See the status page and retry them once fixed.'
  }))
}

export const queueAge: AlertCheck = {
  id: 'queue-age',
  find: ({ stats, now }, { queueAgeMs }) => stats.oldestPendingAt !== null && now - stats.oldestPendingAt > queueAgeMs
    ? [{
        key: 'queue-age',
        summary: `The oldest waiting submission is ${minutes(now - stats.oldestPendingAt)} old (threshold ${minutes(queueAgeMs)}); ` +
          `${stats.pending + stats.leased} wait for delivery.`
      }]
    : []
}

export const diskLow: AlertCheck = {
  id: 'disk-low',
  find: ({ freeDiskBytes }, { minFreeDiskBytes }) =>
    freeDiskBytes !== undefined && minFreeDiskBytes > 0 && freeDiskBytes < minFreeDiskBytes
      ? [{
          key: 'disk-low',
          summary: `Free disk space at the store is ${megabytes(freeDiskBytes)} (threshold ${megabytes(minFreeDiskBytes)}); ` +
            'when it runs out, new submissions are refused.'
        }]
      : []
}

export const heldForFlood: AlertCheck = {
  id: 'held-flood',
  // One problem while any are held: the count changes with every flooded post, the key must not.
  find: ({ stats }) => stats.held > 0
    ? [{
        key: 'held-flood',
        summary: `${stats.held} submission${stats.held === 1 ? ' is' : 's are'} held: a form got more posts than its per-form limit. ` +
          'They are kept, not delivered; they are released after the flood, or release or discard them on the status page.'
      }]
    : []
}

/** Every condition the monitor runs, in the order notices go out. A new condition is one more entry. */
export const ALERT_CHECKS: readonly AlertCheck[] = [portalPaused, deadLetters, queueAge, diskLow, heldForFlood]
