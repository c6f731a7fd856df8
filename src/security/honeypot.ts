/** The honeypot: a field hidden from people (CSS, aria-hidden) that form-filling bots fill in. */
import type { FormConfig } from '../config/schema.ts'
import type { SubmittedValues } from '../intake/submitted-values.ts'

/** True when the form's honeypot field arrived with anything but whitespace in it. */
export function honeypotFilled (form: Pick<FormConfig, 'honeypot'>, values: SubmittedValues): boolean {
  if (form.honeypot === false) return false
  const value = values[form.honeypot]
  if (value === undefined) return false
  return (Array.isArray(value) ? value : [value]).some(v => v.trim() !== '')
}
