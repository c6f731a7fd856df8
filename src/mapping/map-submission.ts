/** Turns one submitted form into the `fields` of crm.lead.add, plus the errors to show the visitor. */
import type { Dictionaries, FormConfig } from '../config/schema.ts'
import type { LeadFields } from '../bitrix/types.ts'
import type { FieldErrors } from '../errors.ts'
import { applyConstants, CONSTANT_WINS, constantText, resolveConstants } from './constants.ts'
import { SUBJECT_FIELDS } from './default-form.ts'
import { createKeyLookup, findSubmitted, isTechnicalField, labelOf } from './field-names.ts'
import { FIELD_ERRORS, LeadDraft } from './lead-draft.ts'
import { messagesFor, type Messages } from './messages.ts'
import { resolveTarget, type LeadTarget } from './targets.ts'
import { commentsHtml } from './rich-text.ts'
import { cleanValues, oneLine } from './text.ts'
import { buildTitle } from './title.ts'
import {
  CLICK_ID_KEYS, isTrackingKey, mergeTracking, parsePageUrl, UTM_KEYS,
  type ParsedPageUrl, type Tracking
} from './tracking.ts'

export interface MapInput {
  formId: string
  form: FormConfig
  /** Already merged: built-in defaults overridden per portal. */
  dictionaries: Required<Dictionaries>
  /** The submitted fields, keys as posted. */
  values: Record<string, string | string[]>
  /** The Referer header, if any. */
  referer?: string
  now: Date
}

export interface MapResult {
  /** Ready for crm.lead.add. */
  fields: LeadFields
  /** Visitor errors by submitted field name; non-empty means the submission is refused. */
  errors: FieldErrors
}

interface ProductPage {
  name: string
  page: ParsedPageUrl
}

/**
 * Contact Form 7 sets `_url` to its REST endpoint when the browser sent no Referer: an address no visitor
 * ever saw, so never the product page.
 */
const CF7_ENDPOINT = /\/wp-json\/contact-form-7\//i

/**
 * The first configured source field holding an http(s) URL. A field the form maps explicitly is not a
 * source: its explicit mapping wins.
 */
function findProductPage (form: FormConfig, submitted: readonly string[], cleaned: ReadonlyMap<string, string[]>,
  mapped: (name: string) => LeadTarget | undefined): ProductPage | undefined {
  for (const source of form.productUrl.sources) {
    const name = findSubmitted(submitted, source)
    if (name === undefined || mapped(name) !== undefined) continue
    const first = cleaned.get(name)?.[0]
    const page = first !== undefined ? parsePageUrl(first) : undefined
    if (page !== undefined && !CF7_ENDPOINT.test(page.url)) return { name, page }
  }
  return undefined
}

/** The first posted source of the product name (when the form asks for one), as for the product page. */
function findProductName (form: FormConfig, submitted: readonly string[], cleaned: ReadonlyMap<string, string[]>,
  mapped: (name: string) => LeadTarget | undefined): { name: string, value: string } | undefined {
  for (const source of form.productName?.sources ?? []) {
    const name = findSubmitted(submitted, source)
    if (name === undefined || mapped(name) !== undefined) continue
    const value = cleaned.get(name)?.[0]
    if (value !== undefined) return { name, value: oneLine(value) }
  }
  return undefined
}

/** utm_* and click-id fields the form does not map itself; each is recorded by its key, never as a line. */
function readTrackingFields (submitted: readonly string[], cleaned: ReadonlyMap<string, string[]>,
  mapped: (name: string) => LeadTarget | undefined): { tracking: Tracking, names: Set<string> } {
  const tracking: Tracking = {}
  const names = new Set<string>()
  for (const name of submitted) {
    const key = name.trim().toLowerCase()
    if (mapped(name) !== undefined || !isTrackingKey(key)) continue
    names.add(name)
    const first = cleaned.get(name)?.[0]
    if (first !== undefined) tracking[key] ??= first
  }
  return { tracking, names }
}

/** UTM_* fields, click ids and the product page, each only where the visitor's mapping left room. */
function applyTracking (draft: LeadDraft, form: FormConfig, tracking: Tracking, product: ProductPage | undefined, messages: Messages): void {
  for (const key of UTM_KEYS) {
    const value = tracking[key]
    const field = key.toUpperCase()
    if (value !== undefined && !draft.has(field)) draft.set(field, value)
  }
  if (product !== undefined) {
    const target = form.productUrl.target
    if (target !== undefined && !draft.has(target)) draft.set(target, product.page.url)
    else draft.addLine(messages.productPage, product.page.url)
  }
  const clickIds = CLICK_ID_KEYS.flatMap((key) => tracking[key] !== undefined ? [[key, tracking[key]] as const] : [])
  if (clickIds.length === 0) return
  const target = form.clickIdTarget
  if (target !== undefined && !draft.has(target)) {
    // One field for all networks: "yclid=123" keeps which network the id belongs to.
    draft.set(target, clickIds.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&'))
  } else {
    for (const [key, value] of clickIds) draft.addLine(key, value)
  }
}

/** The visitor's name, else phone, else e-mail: what the fallback title is about. */
function contactOf (draft: LeadDraft): string | undefined {
  const name = ['NAME', 'LAST_NAME']
    .map((field) => draft.get(field))
    .filter((part): part is string => typeof part === 'string' && part !== '')
    .join(' ')
  return name !== '' ? name : draft.firstMultiValue('PHONE') ?? draft.firstMultiValue('EMAIL')
}

export function mapSubmission (input: MapInput): MapResult {
  const { form, formId, values, now } = input
  const messages = messagesFor(form.language)
  const submitted = Object.keys(values)
  const cleaned = new Map(submitted.map((name) => [name, cleanValues(values[name])]))
  const targetNameOf = createKeyLookup(form.fields, submitted)
  const mapped = (name: string): LeadTarget | undefined => {
    const targetName = targetNameOf(name)
    return targetName !== undefined ? resolveTarget(targetName) : undefined
  }
  const labels = createKeyLookup(form.labels, submitted)
  const label = (name: string): string => labelOf(name, labels, messages)
  const constants = resolveConstants(form.defaults)
  const draft = new LeadDraft({
    language: form.language,
    defaultCountry: form.defaultCountry,
    dictionaries: input.dictionaries,
    messages,
    now,
    constantFields: new Set(constants.map(({ target }) => target.field).filter((field) => CONSTANT_WINS.has(field)))
  })

  for (const required of form.required) {
    const name = findSubmitted(submitted, required)
    if (name === undefined || (cleaned.get(name) ?? []).length === 0) draft.errors[name ?? required] = FIELD_ERRORS.required
  }

  const product = findProductPage(form, submitted, cleaned, mapped)
  const productName = findProductName(form, submitted, cleaned, mapped)
  const fromFields = readTrackingFields(submitted, cleaned, mapped)
  const fromReferer = input.referer !== undefined ? parsePageUrl(input.referer.trim()) : undefined

  for (const name of submitted) {
    const list = cleaned.get(name) ?? []
    if (list.length === 0) continue
    const target = mapped(name)
    if (target !== undefined) {
      draft.assign(target, name, label(name), list)
      continue
    }
    if (name === product?.name || name === productName?.name || fromFields.names.has(name) || isTechnicalField(name)) continue
    // A field mapped to an unknown target (reported at start) is still the visitor's words: keep it.
    if (form.unmappedToComments || targetNameOf(name) !== undefined) draft.addLine(label(name), list.join(', '))
  }

  if (productName !== undefined) {
    const target = form.productName?.target
    if (target !== undefined && !draft.has(target)) draft.set(target, productName.value)
    else draft.addLine(messages.productName, productName.value)
  }
  // Precedence: the visitor's own utm_* fields, then the product page's query, then the Referer's.
  applyTracking(draft, form, mergeTracking(fromFields.tracking, product?.page.tracking ?? {}, fromReferer?.tracking ?? {}), product, messages)
  applyConstants(draft, constants, now)

  const fields = draft.toFields()
  const field = (wanted: string): string | undefined => {
    const name = findSubmitted(submitted, wanted)
    const list = name !== undefined ? cleaned.get(name) ?? [] : []
    return list.length > 0 ? list.join(', ') : undefined
  }
  const constant = (fieldName: string): string | undefined => {
    const found = constants.find(({ target }) => target.kind === 'scalar' && target.field === fieldName)
    return found !== undefined ? constantText(found.value) : undefined
  }
  const mappedTitle = draft.get('TITLE')
  fields.TITLE = buildTitle({
    template: form.title,
    formLabel: form.name ?? formId,
    formId,
    now,
    field,
    mappedTitle: typeof mappedTitle === 'string' ? mappedTitle : undefined,
    constantTitle: constant('TITLE'),
    subject: SUBJECT_FIELDS.map(field).find((value) => value !== undefined),
    contact: contactOf(draft)
  })

  const comments = draft.comments()
  const constantComments = constant('COMMENTS')
  if (comments !== '') fields.COMMENTS = comments
  else if (constantComments !== undefined && constantComments !== '') fields.COMMENTS = commentsHtml(constantComments)

  return { fields, errors: draft.errors }
}
