/** crm.settings.mode.get: 1 classic CRM, 2 simple mode (no leads: each new lead becomes a deal at once). */
import type { MethodFamily } from '../registry.ts'

export const settingsMethods: MethodFamily = registry => {
  registry.add('crm.settings.mode.get', { scope: 'crm', handler: (_params, { state }) => ({ result: state.crmMode }) })
}
