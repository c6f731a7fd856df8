/**
 * Which path a claimed submission takes: a legacy portal sends everything through its importer;
 * on a REST portal, submissions with extras (and, with `crmMode: simple`, all of them) take the
 * rich path; the rest are left to the lane's plain batch of crm.lead.add.
 */
import { legacyOf } from '../bitrix/legacy-client.ts'
import type { PortalConfig } from '../config/schema.ts'
import type { Counters } from '../outbox/counters.ts'
import type { FileGate } from './file-gate.ts'
import type { ExtrasRoute, LaneOps } from './lane-ops.ts'
import { deliverLegacy } from './legacy-delivery.ts'
import type { ListFieldCache } from './list-fields.ts'
import { deliverRich } from './rich-delivery.ts'
import type { FormInfo } from './rich-prepare.ts'
import type { Stored } from './stored-payload.ts'

export interface ExtrasRouteDeps {
  portal: PortalConfig
  counters: Counters
  lists: ListFieldCache
  form: (formId: string) => FormInfo
  /** The portal's file gate (kept by the worker across reloads). */
  gate: FileGate
  leaseMs: number
}

export function createExtrasRoute (deps: ExtrasRouteDeps): ExtrasRoute {
  const prepareDeps = { counters: deps.counters, lists: deps.lists, form: deps.form, findConvertedDeal: deps.portal.crmMode !== 'classic',
    gate: deps.gate, leaseMs: deps.leaseMs }
  return {
    resume: () => deps.gate.resume(),
    drain: () => deps.gate.drain(),
    take: async (claimed: Stored[], ops: LaneOps): Promise<Stored[]> => {
      const legacy = legacyOf(ops.client)
      if (legacy !== undefined) {
        await deliverLegacy(claimed, legacy, ops, deps.counters)
        return []
      }
      const all = deps.portal.crmMode === 'simple'
      const rich = claimed.filter(s => all || s.hasExtras)
      if (rich.length > 0) await deliverRich(rich, ops, prepareDeps)
      return claimed.filter(s => !(all || s.hasExtras))
    }
  }
}
