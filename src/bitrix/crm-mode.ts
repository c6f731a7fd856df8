/** crm.settings.mode.get: whether the portal runs classic CRM (leads) or simple mode (deals only). */
import { z } from 'zod'
import type { CallFn } from './call.ts'

export type CrmMode = 1 | 2

const modeSchema = z.union([z.literal(1), z.literal(2), z.enum(['1', '2']).transform(v => Number(v) as CrmMode)])

/**
 * 1 = classic (leads first), 2 = simple mode: no leads; crm.lead.add still answers with a lead id,
 * but the portal converts the lead into a deal (plus contact / company) at once and marks it
 * CONVERTED. Forms on such a portal should use `entity: deal`.
 */
export async function crmMode (client: { call: CallFn }): Promise<CrmMode> {
  const reply = await client.call('crm.settings.mode.get', {}, modeSchema)
  return reply.result
}

/** A line for `check` and logs. */
export function describeCrmMode (mode: CrmMode): string {
  return mode === 2
    ? 'simple mode (no leads: each new lead becomes a deal at once; consider `entity: deal` and `crmMode: simple`)'
    : 'classic mode (leads)'
}
