/** The crm.deal.* family: add, get, list, update (deals carry LEAD_ID when a lead was converted). */
import type { MethodFamily } from '../registry.ts'
import { entityHandlers } from './contact-entity.ts'

export const dealMethods: MethodFamily = registry => {
  for (const [verb, handler] of Object.entries(entityHandlers('deal'))) {
    registry.add(`crm.deal.${verb}`, { scope: 'crm', handler: (params, { state }) => handler(params, state) })
  }
}
