/** Builds the registry of every emulated method; add a family here to expose new methods. */
import { MethodRegistry, type MethodFamily } from '../registry.ts'
import { batchMethods } from './batch.ts'
import { duplicateMethods } from './duplicate.ts'
import { leadMethods } from './lead.ts'
import { statusMethods } from './status.ts'

const FAMILIES: MethodFamily[] = [leadMethods, statusMethods, duplicateMethods, batchMethods]

export function createRegistry (): MethodRegistry {
  const registry = new MethodRegistry()
  for (const family of FAMILIES) family(registry)
  return registry
}
