/** The crm.contact.* and crm.company.* families: add, get, list, update. */
import type { MethodFamily } from '../registry.ts'
import { entityHandlers } from './contact-entity.ts'

export const contactMethods: MethodFamily = registry => {
  for (const kind of ['contact', 'company'] as const) {
    for (const [verb, handler] of Object.entries(entityHandlers(kind))) {
      registry.add(`crm.${kind}.${verb}`, { scope: 'crm', handler: (params, { state }) => handler(params, state) })
    }
  }
}
