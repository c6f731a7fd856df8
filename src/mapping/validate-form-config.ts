/** Checks a form's mapping against the known lead fields and dictionaries, for the report at start. */
import type { Dictionaries, FormConfig } from '../config/schema.ts'
import { constantText, scalarConstant } from './constants.ts'
import { resolveTarget, type DictionaryName } from './targets.ts'
import { normalizeEmail } from './values.ts'

const quote = (value: unknown): string => `'${String(value)}'`

/**
 * One message per problem, each naming its config key: an unknown target in `fields` or `defaults`, a
 * constant outside its dictionary, an id that is not a positive integer, an unreadable amount or date.
 */
export function validateFormConfig (
  formId: string, form: FormConfig, dictionaries: Required<Dictionaries>, now: Date = new Date()
): string[] {
  const problems: string[] = []
  const at = `forms.${formId}`

  for (const [field, targetName] of Object.entries(form.fields)) {
    if (resolveTarget(targetName) === undefined) {
      problems.push(`${at}.fields.${field}: ${quote(targetName)} is not a lead field ` +
        '(use a name like NAME, PHONE_MOBILE, EMAIL_WORK, COMMENTS or UF_CRM_…)')
    }
  }

  for (const [key, value] of Object.entries(form.defaults)) {
    const where = `${at}.defaults.${key}`
    const target = resolveTarget(key)
    if (target === undefined) {
      problems.push(`${where}: ${quote(key)} is not a lead field (use a name like SOURCE_ID, ASSIGNED_BY_ID or UF_CRM_…)`)
      continue
    }
    if (target.kind === 'custom') continue
    if (typeof value === 'boolean') {
      problems.push(`${where}: must be text or a number, not ${String(value)}`)
      continue
    }
    if (target.kind === 'multi') {
      if (target.field === 'EMAIL' && normalizeEmail(constantText(value)) === undefined) {
        problems.push(`${where}: ${quote(value)} is not an e-mail address`)
      }
      continue
    }
    switch (target.type) {
      case 'dictionary': {
        const name = target.field as DictionaryName
        const allowed = dictionaries[name]
        const text = String(value)
        if (!allowed.includes(text)) {
          const sameButCase = allowed.find((item) => item.toLowerCase() === text.trim().toLowerCase())
          const hint = sameButCase !== undefined ? `did you mean ${quote(sameButCase)}? ` : ''
          problems.push(`${where}: ${quote(text)} is not in the ${name} dictionary (${hint}${allowed.join(', ')})`)
        }
        break
      }
      case 'id':
        if (scalarConstant(target, value, now) === undefined) {
          const expected = target.field === 'ASSIGNED_BY_ID' ? 'a user id' : 'a CRM record id'
          problems.push(`${where}: ${quote(value)} is not a positive integer (${expected})`)
        }
        break
      case 'amount':
        if (scalarConstant(target, value, now) === undefined) problems.push(`${where}: ${quote(value)} is not an amount`)
        break
      case 'date':
        if (scalarConstant(target, value, now) === undefined) {
          problems.push(`${where}: ${quote(value)} is not a date (dd.mm.yyyy or yyyy-mm-dd)`)
        }
        break
      case 'text':
        break
    }
  }
  return problems
}
