/**
 * The deprecated legacy importer as a transport: one POST per lead with the flat field names.
 * The importer reads no ORIGIN_ID and offers no way to look a lead up, so exactly-once degrades to
 * at-least-once here: a submission whose earlier attempt may have landed (timeout, 5xx, crash) is
 * sent again, and the portal may then hold it twice. Every such resend is logged.
 */
import type { LegacyClient } from '../../bitrix/legacy-client.ts'
import type { LeadFields } from '../../domain/lead-fields.ts'
import type { Counters } from '../../outbox/counters.ts'
import type { Stored } from '../stored-payload.ts'
import type { DeliveryTransport, LaneOps } from './transport.ts'

async function deliverLegacy (claimed: Stored[], legacy: LegacyClient, ops: LaneOps, counters: Counters): Promise<void> {
  for (const { c, fields, extras } of claimed) {
    const lead: LeadFields = { ...fields }
    const assignees = extras.assignees
    if (assignees !== undefined) {
      lead.ASSIGNED_BY_ID = assignees[await counters.next(`assignee:${c.portalId}:${c.formId}`, assignees.length)] as number
    }
    if (c.outcomeUnknown) {
      ops.log.warn({ portalId: ops.portalId, submissionId: c.id, attempt: c.attempts },
        'legacy importer: resending a lead whose earlier attempt may have landed (no ORIGIN_ID look-up on this transport)')
    }
    const id = await ops.call([c], async () => await legacy.addLead(lead), 'lead.php')
    if (id !== undefined) await ops.delivered(c, id, false)
  }
}

export function createLegacyImporterTransport (deps: { importer: LegacyClient, counters: Counters }): DeliveryTransport {
  return {
    // lead.get_fields proves the login works without creating anything.
    probe: async () => { await deps.importer.probe() },
    deliver: async (items, lane) => { await deliverLegacy(items, deps.importer, lane, deps.counters) },
    // The importer takes no files, so nothing ever waits outside the lane.
    resume: () => [],
    drain: () => [],
    describe: () => deps.importer.describe(),
    close: async () => { await deps.importer.close() }
  }
}
