/** Default readings of the behaviour the reference leaves unconfirmed. */
import type { Quirks } from './types.ts'

export const defaultQuirks: Quirks = {
  invalidCredentialsStatus: 403,
  insufficientScopeStatus: 403,
  insufficientScopeDescription: '',
  operationLimitDescription: 'Method is blocked due to operation time limit.',
  operationLimitTime: true,
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
