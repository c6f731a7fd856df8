/** Builds the registry of every emulated method; add a family here to expose new methods. */
import { MethodRegistry, type MethodFamily } from '../registry.ts'
import { batchMethods } from './batch.ts'
import { contactMethods } from './contact.ts'
import { dealMethods } from './deal.ts'
import { duplicateMethods } from './duplicate.ts'
import { leadUpdateMethods } from './lead-update.ts'
import { leadMethods } from './lead.ts'
import { productrowsMethods } from './productrows.ts'
import { settingsMethods } from './settings.ts'
import { statusMethods } from './status.ts'
import { timelineMethods } from './timeline.ts'
import { trackingMethods } from './tracking.ts'
import { userfieldMethods } from './userfield.ts'

const FAMILIES: MethodFamily[] = [
  leadMethods, leadUpdateMethods, statusMethods, duplicateMethods, batchMethods,
  contactMethods, dealMethods, timelineMethods, settingsMethods, userfieldMethods, productrowsMethods, trackingMethods
]

export function createRegistry (): MethodRegistry {
  const registry = new MethodRegistry()
  for (const family of FAMILIES) family(registry)
  return registry
}
