/** One configured portal → what talks to it: the REST webhook client, or the deprecated legacy importer. */
import type { PortalConfig } from '../config/schema.ts'
import { createBitrixClient, type BitrixClient } from './client.ts'
import { BitrixUsageError } from './errors.ts'
import { createLegacyClient, type LegacyClient } from './legacy-client.ts'

interface ClientOptions { timeoutMs?: number, onMoved?: (newBase: string) => void }

/** The REST client of a portal on the webhook; a portal on the legacy importer has none. */
export function clientForPortal (portal: PortalConfig, opts: ClientOptions = {}): BitrixClient {
  if (portal.transport === 'legacy') {
    throw new BitrixUsageError('this needs the REST webhook; a portal on the legacy importer cannot do it')
  }
  return createBitrixClient({
    webhook: portal.webhook,
    timeoutMs: opts.timeoutMs ?? portal.timeoutMs,
    ...(opts.onMoved !== undefined ? { onMoved: opts.onMoved } : {})
  })
}

/** The importer client of a portal on `transport: legacy`. */
export function importerForPortal (portal: PortalConfig, opts: ClientOptions = {}): LegacyClient {
  // The schema guarantees the address and credentials for this transport.
  return createLegacyClient({
    url: portal.legacyUrl ?? '',
    login: portal.login ?? '',
    password: portal.password ?? '',
    timeoutMs: opts.timeoutMs ?? portal.timeoutMs
  })
}

/** What adds one lead on either transport (the send-test command). */
export type LeadSender = Pick<BitrixClient, 'addLead' | 'describe' | 'close'>

export function leadSenderForPortal (portal: PortalConfig, opts: ClientOptions = {}): LeadSender {
  return portal.transport === 'legacy' ? importerForPortal(portal, opts) : clientForPortal(portal, opts)
}
