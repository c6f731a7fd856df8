/** The lead TITLE: the form's template, else a visitor or constant TITLE, else "<form>: <subject — who>". */
import { plainRichText } from './rich-text.ts'
import { oneLine, truncate } from './text.ts'

/** The TITLE column holds 255 characters. */
export const TITLE_MAX = 255

export interface TitleInput {
  template?: string | undefined
  /** The form's name, or its id when it has none. */
  formLabel: string
  formId: string
  now: Date
  /** The value of a submitted field by name (arrays joined), for {{field}} placeholders. */
  field: (name: string) => string | undefined
  /** A visitor's value for a field mapped to TITLE. */
  mappedTitle?: string | undefined
  /** defaults.TITLE. */
  constantTitle?: string | undefined
  subject?: string | undefined
  /** The visitor's name, phone or e-mail, whichever comes first. */
  contact?: string | undefined
}

const pad = (n: number): string => String(n).padStart(2, '0')

// Local time of the process: the operator sets TZ to the office's zone.
const formatDate = (d: Date): string => `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}`
const formatDateTime = (d: Date): string => `${formatDate(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`

const SEPARATORS = new Set(' \t\n\r\f\v\u00A0:;,|/–—-')

// Separators left dangling by an empty placeholder ("Заявка: {{name}}" → "Заявка:") are trimmed.
// By index, not with /[…]+$/: that regex retries from every separator of a long run (quadratic).
function tidy (text: string): string {
  const line = oneLine(text)
  let start = 0
  let end = line.length
  while (start < end && SEPARATORS.has(line.charAt(start))) start++
  while (end > start && SEPARATORS.has(line.charAt(end - 1))) end--
  return line.slice(start, end)
}

/**
 * Fills {{field}} placeholders plus {{form}}, {{formId}}, {{date}}, {{datetime}}; a missing field becomes
 * empty. The reserved names win over fields of the same name, so a visitor cannot post a fake "form".
 */
export function renderTemplate (template: string, input: TitleInput): string {
  // [^{}]* cannot cross a brace, so each attempt ends at the next one; the name is trimmed after.
  return template.replace(/\{\{([^{}]*)\}\}/g, (_placeholder, spaced: string) => {
    const rawName = spaced.trim()
    switch (rawName.toLowerCase()) {
      case 'form': return input.formLabel
      case 'formid': return input.formId
      case 'date': return formatDate(input.now)
      case 'datetime': return formatDateTime(input.now)
      default: return input.field(rawName) ?? ''
    }
  })
}

/** Always a non-empty single line of at most 255 characters, in which no BB-code or HTML can start. */
export function buildTitle (input: TitleInput): string {
  const candidates = [
    input.template !== undefined ? renderTemplate(input.template, input) : '',
    input.mappedTitle ?? '',
    input.constantTitle ?? ''
  ]
  let title = candidates.map(tidy).find((text) => text !== '')
  if (title === undefined) {
    const about = [input.subject, input.contact].map((part) => tidy(part ?? '')).filter((part) => part !== '')
    title = about.length > 0 ? `${tidy(input.formLabel)}: ${about.join(' — ')}` : tidy(input.formLabel)
  }
  if (title === '') title = input.formId
  // Cut first, so a long value is not encoded whole; the encoding adds a few invisible characters.
  return truncate(plainRichText(truncate(title, TITLE_MAX)), TITLE_MAX)
}
