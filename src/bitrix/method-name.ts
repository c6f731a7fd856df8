/** Guards the method name that is appended to the webhook URL and written into batch commands. */
import { BitrixUsageError } from './errors.ts'

// Bitrix24 method names are dotted identifiers (crm.lead.add); anything else could rewrite the URL path.
const METHOD_NAME = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/

export function assertMethodName (method: string): void {
  if (!METHOD_NAME.test(method)) throw new BitrixUsageError(`"${method}" is not a Bitrix24 method name`)
}
