/** One configured portal → the client that talks to it: the REST webhook, or the deprecated legacy importer. */
import type { PortalConfig } from '../config/schema.ts'
import { createBitrixClient, type BitrixClient } from './client.ts'
import { createLegacyClient, legacyBitrixClient } from './legacy-client.ts'

export function clientForPortal (portal: PortalConfig, opts: { timeoutMs?: number, onMoved?: (newBase: string) => void } = {}): BitrixClient {
  const timeoutMs = opts.timeoutMs ?? portal.timeoutMs
  if (portal.transport === 'legacy') {
    // The schema guarantees the address and credentials for this transport.
    return legacyBitrixClient(createLegacyClient({ url: portal.legacyUrl ?? '', login: portal.login ?? '', password: portal.password ?? '', timeoutMs }))
  }
  return createBitrixClient({ webhook: portal.webhook, timeoutMs, ...(opts.onMoved !== undefined ? { onMoved: opts.onMoved } : {}) })
}
