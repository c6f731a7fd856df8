/** Per-form constants (form.defaults): which lead field each one sets, and who wins against the visitor. */
import type { FormConfig } from '../config/schema.ts'
import type { LeadDraft } from './lead-draft.ts'
import { resolveTarget, type LeadTarget } from './targets.ts'
import { cleanText } from './text.ts'
import { parseAmount, parseBirthdate, parsePositiveId } from './values.ts'

export type ConstantValue = FormConfig['defaults'][string]

export interface FormConstant {
  /** The key as written in the config. */
  key: string
  target: LeadTarget
  value: ConstantValue
}

/**
 * Who wins when a form sets a constant and the visitor posts a value for the same field: the constant,
 * for the fields that route and qualify the lead (where it comes from, its stage, who handles it) —
 * a visitor must not be able to pick those; the visitor, for every other field, so a constant there
 * acts as a default. The visitor's losing value is still kept as a COMMENTS line.
 */
export const CONSTANT_WINS: ReadonlySet<string> = new Set(['SOURCE_ID', 'STATUS_ID', 'ASSIGNED_BY_ID'])

/** The constants whose key names a known target; validateFormConfig reports the others. */
export function resolveConstants (defaults: FormConfig['defaults']): FormConstant[] {
  const constants: FormConstant[] = []
  for (const [key, value] of Object.entries(defaults)) {
    const target = resolveTarget(key)
    if (target !== undefined) constants.push({ key, target, value })
  }
  return constants
}

/** Text of a constant; a boolean is written the portal's way for yes/no fields. */
export function constantText (value: ConstantValue): string {
  if (typeof value === 'boolean') return value ? 'Y' : 'N'
  return cleanText(String(value))
}

/** The value a scalar constant is written as: ids as integers, amounts as numbers, dates as yyyy-mm-dd. */
export function scalarConstant (target: LeadTarget & { kind: 'scalar' }, value: ConstantValue, now: Date): string | number | undefined {
  switch (target.type) {
    case 'id':
      return parsePositiveId(value)
    case 'amount':
      return typeof value === 'number' ? value : parseAmount(constantText(value))
    case 'date':
      return parseBirthdate(constantText(value), now)
    default:
      return constantText(value)
  }
}

/**
 * Writes the constants into the draft after the visitor's values. TITLE and COMMENTS are left to the
 * title and comment builders, which use them only when the visitor gave nothing.
 */
export function applyConstants (draft: LeadDraft, constants: readonly FormConstant[], now: Date): void {
  for (const { target, value } of constants) {
    if (target.kind === 'multi') {
      const text = constantText(value)
      if (text !== '') draft.addMulti(target.field, target.valueType, text)
      continue
    }
    if (target.kind === 'custom') {
      if (!draft.has(target.field)) draft.set(target.field, typeof value === 'number' ? value : constantText(value))
      continue
    }
    if (target.field === 'TITLE' || target.field === 'COMMENTS') continue
    if (draft.has(target.field) && !CONSTANT_WINS.has(target.field)) continue
    const written = scalarConstant(target, value, now)
    if (written !== undefined && written !== '') draft.set(target.field, written)
  }
}
