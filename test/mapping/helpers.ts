/** Shared fixtures for the mapping tests: a parsed form config and a one-call mapper. */
import { formSchema, type FormConfig } from '../../src/config/schema.ts'
import { mapSubmission, type MapResult } from '../../src/mapping/map-submission.ts'
import { mergeDictionaries } from '../../src/mapping/dictionaries.ts'

/** 14 March 2025, 09:05 local time. */
export const NOW = new Date(2025, 2, 14, 9, 5)

/** A form config as the loader would produce it, defaults filled in by the schema. */
export function formOf (config: Record<string, unknown> = {}): FormConfig {
  return formSchema.parse(config)
}

export interface RunOptions {
  formId?: string
  referer?: string
}

export function run (config: Record<string, unknown>, values: Record<string, string | string[]>, options: RunOptions = {}): MapResult {
  return mapSubmission({
    formId: options.formId ?? 'callback',
    form: formOf(config),
    dictionaries: mergeDictionaries(),
    values,
    ...(options.referer !== undefined ? { referer: options.referer } : {}),
    now: NOW
  })
}

/** COMMENTS split into lines, for order-insensitive checks. */
export function commentLines (result: MapResult): string[] {
  const comments = result.fields.COMMENTS
  return typeof comments === 'string' ? comments.split('<br>') : []
}
