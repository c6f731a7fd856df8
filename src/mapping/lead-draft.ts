/** The lead under construction: puts each submitted value into its field, or into COMMENTS when it cannot. */
import type { Dictionaries } from '../config/schema.ts'
import type { LeadFields, MultiFieldValue } from '../domain/lead-fields.ts'
import type { FieldErrors } from '../errors.ts'
import { matchDictionaryValue } from './dictionaries.ts'
import type { InvalidValues } from './invalid-values.ts'
import type { Messages } from './messages.ts'
import type { DictionaryName, LeadTarget, MultiFieldType } from './targets.ts'
import { commentsHtml } from './rich-text.ts'
import { oneLine } from './text.ts'
import { normalizeEmail, normalizePhone, parseAmount, parseBirthdate, parsePositiveId } from './values.ts'

/** Error codes in MapResult.errors, keyed by the submitted field name. */
export const FIELD_ERRORS = Object.freeze({ required: 'required', invalidEmail: 'invalid_email' })

/** The portal refuses a lead whose multifield VALUE is longer than this. */
const MULTIFIELD_VALUE_MAX = 250

export interface DraftContext {
  language: 'ru' | 'en'
  defaultCountry: string
  dictionaries: Required<Dictionaries>
  messages: Messages
  now: Date
  /** Lead fields whose configured constant beats the visitor (SOURCE_ID, STATUS_ID, ASSIGNED_BY_ID when set). */
  constantFields: ReadonlySet<string>
  /** keep: a value that fails its check is kept as typed in a COMMENTS note; ask: a bad e-mail is a visitor error. */
  invalidValues: InvalidValues
}

/** A value the relay could not use in its field and kept as typed in COMMENTS instead. */
export interface KeptValue {
  /** The lead field it was meant for (EMAIL_WORK, BIRTHDATE, OPPORTUNITY…). */
  field: string
  check: 'email' | 'date' | 'amount' | 'id' | 'dictionary' | 'length' | 'required'
}

type ScalarValue = string | number | string[]

export class LeadDraft {
  readonly errors: FieldErrors = {}
  readonly kept: KeptValue[] = []

  /** How values that fail their check are handled (see ./invalid-values.ts). */
  get invalidValues (): InvalidValues {
    return this.ctx.invalidValues
  }

  private readonly scalars = new Map<string, ScalarValue>()
  private readonly multi = new Map<MultiFieldType, MultiFieldValue[]>()
  /** Values of fields mapped to COMMENTS: they open the comment. */
  private readonly commentBlocks: string[] = []
  /** "label: value" lines and notes, in the order they arose. */
  private readonly lines: string[] = []

  constructor (private readonly ctx: DraftContext) {}

  has (field: string): boolean {
    return this.scalars.has(field)
  }

  get (field: string): ScalarValue | undefined {
    return this.scalars.get(field)
  }

  set (field: string, value: ScalarValue): void {
    this.scalars.set(field, value)
  }

  firstMultiValue (field: MultiFieldType): string | undefined {
    return this.multi.get(field)?.[0]?.VALUE
  }

  addMulti (field: MultiFieldType, valueType: string, value: string): void {
    const list = this.multi.get(field) ?? []
    // The same number posted twice (a visible and a hidden field) is one number.
    if (!list.some((item) => item.VALUE === value)) list.push({ VALUE: value, VALUE_TYPE: valueType })
    this.multi.set(field, list)
  }

  addLine (label: string, value: string): void {
    this.lines.push(`${label}: ${value}`)
  }

  addNote (note: string): void {
    this.lines.push(note)
  }

  /** Puts the visitor's values of one submitted field (already cleaned, non-empty) into `target`. */
  assign (target: LeadTarget, name: string, label: string, values: readonly string[]): void {
    if (target.kind === 'multi') {
      for (const value of values) this.assignMulti(target.field, target.valueType, name, label, value)
      return
    }
    const joined = values.join(', ')
    if (target.kind === 'custom') {
      if (this.has(target.field)) this.addLine(label, joined)
      else this.set(target.field, values.length === 1 ? joined : [...values])
      return
    }
    if (target.field === 'COMMENTS') {
      this.commentBlocks.push(joined)
      return
    }
    // Another field already filled this one, or a constant wins here: keep the value as a line.
    if (this.has(target.field) || this.ctx.constantFields.has(target.field)) {
      this.addLine(label, joined)
      return
    }
    if (target.type === 'text') {
      this.set(target.field, joined)
      return
    }
    // A typed field takes one value; further checkbox values stay readable in COMMENTS.
    const [first, ...rest] = values as [string, ...string[]]
    this.assignTyped(target.field, target.type, first)
    if (rest.length > 0) this.addLine(label, rest.join(', '))
  }

  private assignTyped (field: string, type: 'date' | 'amount' | 'id' | 'dictionary', value: string): void {
    const { messages } = this.ctx
    const shown = oneLine(value)
    let parsed: string | number | undefined
    let note: (target: string, value: string) => string
    switch (type) {
      case 'amount':
        parsed = parseAmount(value, this.ctx.language)
        note = messages.notAmount
        break
      case 'date':
        parsed = parseBirthdate(value, this.ctx.now)
        note = messages.notDate
        break
      case 'id':
        parsed = parsePositiveId(value)
        note = messages.notId
        break
      case 'dictionary': {
        const name = field as DictionaryName
        parsed = matchDictionaryValue(name, this.ctx.dictionaries[name] ?? [], value)
        note = messages.notKnown
        break
      }
    }
    if (parsed !== undefined) {
      this.set(field, parsed)
      return
    }
    this.addNote(note(field, shown))
    this.kept.push({ field, check: type })
  }

  private assignMulti (field: MultiFieldType, valueType: string, name: string, label: string, value: string): void {
    let stored = oneLine(value)
    if (field === 'EMAIL') {
      const email = normalizeEmail(stored)
      if (email === undefined) {
        // The portal refuses the whole lead for one bad address: a person at the form can fix it; a server
        // sender (CF7 already accepted the address) cannot, so the lead goes with the address kept as text.
        if (this.ctx.invalidValues === 'ask') {
          this.errors[name] ??= FIELD_ERRORS.invalidEmail
          return
        }
        this.addNote(this.ctx.messages.notEmail(label, stored))
        this.kept.push({ field: `${field}_${valueType}`, check: 'email' })
        return
      }
      stored = email
    } else if (field === 'PHONE') {
      stored = normalizePhone(stored, this.ctx.defaultCountry)
    }
    if (Array.from(stored).length > MULTIFIELD_VALUE_MAX) {
      this.addNote(this.ctx.messages.tooLong(`${field}_${valueType}`, stored))
      this.kept.push({ field: `${field}_${valueType}`, check: 'length' })
      return
    }
    this.addMulti(field, valueType, stored)
  }

  /** COMMENTS: mapped comment values first, then the lines; encoded as HTML by rich-text.ts. */
  comments (): string {
    const parts: string[] = []
    if (this.commentBlocks.length > 0) parts.push(this.commentBlocks.join('\n\n'))
    if (this.lines.length > 0) parts.push(this.lines.join('\n'))
    return commentsHtml(parts.join('\n\n'))
  }

  toFields (): LeadFields {
    const fields: LeadFields = {}
    for (const [field, value] of this.scalars) fields[field] = value
    for (const [field, list] of this.multi) {
      if (list.length > 0) fields[field] = list
    }
    return fields
  }
}
