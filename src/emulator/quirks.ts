/** Default readings of the behaviour the reference leaves unconfirmed. */
import type { Quirks } from './types.ts'

export const defaultQuirks: Quirks = {
  invalidCredentialsStatus: 401,
  insufficientScopeStatus: 401,
  operationLimitDescription: 'Method is blocked due to operation time limit.',
  queryLimitTime: false,
  operatingInTime: true,
  requireTitle: false,
  strictLeadValidation: false,
  requiredUserFieldCheck: false,
  validationBr: true,
  commentsHtml: 'strip',
  birthdateOutput: 'datetime'
}

export function resolveQuirks (overrides: Partial<Quirks> = {}): Quirks {
  return { ...defaultQuirks, ...overrides }
}
