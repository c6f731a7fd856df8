/** Turns one submitted form into the `fields` of crm.lead.add, plus the errors to show the visitor. */
import type { Dictionaries, FormConfig } from '../config/schema.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import type { FieldErrors } from '../errors.ts'
import {
  ANALYTICS_FIELDS, checkTrace, isAttributionField, parseVisitedPages, readAnalyticsId, TRACE_FIELD, VISITED_FIELD,
  visitedPageLines
} from './attribution.ts'
import { applyConstants, CONSTANT_WINS, constantText, resolveConstants } from './constants.ts'
import { SUBJECT_FIELDS } from './default-form.ts'
import { createKeyLookup, findSubmitted, isTechnicalField, labelOf } from './field-names.ts'
import { PRODUCT_URL_SOURCES } from '../config/schema.ts'
import { invalidValuesFor, type InvalidValues } from './invalid-values.ts'
import { FIELD_ERRORS, LeadDraft, type KeptValue } from './lead-draft.ts'
import { messagesFor, type Messages } from './messages.ts'
import { decodeEntities, isCf7Endpoint, isWordPressText, pageKey } from './page-sources.ts'
import { resolveTarget, type LeadTarget } from './targets.ts'
import { commentsHtml } from './rich-text.ts'
import { cleanText, cleanValues, oneLine, truncate } from './text.ts'
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
  /** Default: from the form alone (see ./invalid-values.ts); intake also knows the sender's User-Agent. */
  invalidValues?: InvalidValues
  now: Date
}

export interface MapResult {
  /** Ready for crm.lead.add. */
  fields: LeadFields
  /** Visitor errors by submitted field name; non-empty means the submission is refused. */
  errors: FieldErrors
  /** Values left out of the lead (a noted COMMENTS line says so too), for the log. */
  dropped: DroppedValue[]
  /** Values that failed their check and were kept as typed in COMMENTS (counted by the intake). */
  kept: KeptValue[]
}

export interface DroppedValue {
  field: string
  reason: 'too_large' | 'not_json'
  bytes: number
}

interface ProductPage {
  name: string
  page: ParsedPageUrl
}

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
    if (page !== undefined && !isCf7Endpoint(page.url)) return { name, page }
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
    if (value !== undefined) return { name, value: oneLine(decodeEntities(value)) }
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
function applyTracking (
  draft: LeadDraft, form: FormConfig, tracking: Tracking, product: ProductPage | undefined, messages: Messages
): void {
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

/**
 * The Bitrix24 trace, the analytics ids and the visited pages, each from its hidden field unless the
 * form maps that field itself. Returns what was left out, for the log.
 */
function applyAttribution (draft: LeadDraft, form: FormConfig, first: (wanted: string) => string | undefined,
  messages: Messages): DroppedValue[] {
  const dropped: DroppedValue[] = []
  const trace = first(TRACE_FIELD)
  if (trace !== undefined && !draft.has('TRACE')) {
    const checked = checkTrace(trace)
    if (checked.ok) {
      draft.set('TRACE', checked.trace)
    } else {
      draft.addNote(messages.traceDropped(checked.reason, checked.bytes))
      dropped.push({ field: TRACE_FIELD, reason: checked.reason, bytes: checked.bytes })
    }
  }
  for (const { field, key } of ANALYTICS_FIELDS) {
    const text = first(field)
    if (text === undefined) continue
    const id = readAnalyticsId(key, text)
    const label = messages.analytics[key]
    const target = form.analytics[key]
    if (!id.wellFormed) draft.addNote(messages.notAnalyticsId(label, id.value))
    else if (target !== undefined && !draft.has(target)) draft.set(target, id.value)
    else draft.addLine(label, id.value)
  }
  const visited = first(VISITED_FIELD)
  if (visited !== undefined) {
    const pages = parseVisitedPages(visited)
    if (pages === undefined) draft.addLine(messages.visitedPages, truncate(oneLine(visited), 500))
    else if (pages.length > 0) for (const line of visitedPageLines(pages, messages)) draft.addNote(line)
  }
  return dropped
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
  const cleaned = new Map(submitted.map((name) => [name, readable(name, cleanValues(values[name]), messages)]))
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
    invalidValues: input.invalidValues ?? invalidValuesFor(form),
    constantFields: new Set(constants.map(({ target }) => target.field).filter((field) => CONSTANT_WINS.has(field)))
  })

  for (const required of form.required) {
    const name = findSubmitted(submitted, required)
    if (name !== undefined && (cleaned.get(name) ?? []).length > 0) continue
    if (draft.invalidValues === 'ask') {
      draft.errors[name ?? required] = FIELD_ERRORS.required
      continue
    }
    // A server sender's visitor cannot add the value any more: the lead goes, saying what is missing.
    draft.addNote(messages.missingRequired(label(name ?? required)))
    draft.kept.push({ field: name ?? required, check: 'required' })
  }

  const product = findProductPage(form, submitted, cleaned, mapped)
  const productName = findProductName(form, submitted, cleaned, mapped)
  const fromFields = readTrackingFields(submitted, cleaned, mapped)
  const fromReferer = input.referer !== undefined ? parsePageUrl(input.referer.trim()) : undefined

  // Nothing said twice: the product page and name are written once, in their field or their own line.
  const { pageSources, nameSources } = sourcesOf(form)
  const pagesSaid = new Set<string>()
  const productKey = product !== undefined ? pageKey(product.page.url) : undefined
  if (productKey !== undefined) pagesSaid.add(productKey)
  const saidElsewhere = (name: string, list: readonly string[]): boolean => {
    const lower = name.toLowerCase()
    if (productName !== undefined && nameSources.has(lower)) return true
    if (list.length !== 1 || !pageSources.has(lower)) return false
    const only = list[0] as string
    if (isCf7Endpoint(only)) return true
    const key = pageKey(only)
    if (key === undefined) return false
    if (pagesSaid.has(key)) return true
    pagesSaid.add(key)
    return false
  }

  for (const name of submitted) {
    const list = cleaned.get(name) ?? []
    if (list.length === 0) continue
    const target = mapped(name)
    if (target !== undefined) {
      draft.assign(target, name, label(name), list)
      continue
    }
    if (name === product?.name || name === productName?.name || fromFields.names.has(name) || isTechnicalField(name)) continue
    if (isAttributionField(name)) continue
    if (saidElsewhere(name, list)) continue
    // A field mapped to an unknown target (reported at start) is still the visitor's words: keep it.
    if (form.unmappedToComments || targetNameOf(name) !== undefined) draft.addLine(label(name), list.join(', '))
  }

  if (productName !== undefined) {
    const target = form.productName?.target
    if (target !== undefined && !draft.has(target)) draft.set(target, productName.value)
    else draft.addLine(messages.productName, productName.value)
  }
  // Precedence: the visitor's own utm_* fields, then the product page's query, then the Referer's.
  const tracking = mergeTracking(fromFields.tracking, product?.page.tracking ?? {}, fromReferer?.tracking ?? {})
  applyTracking(draft, form, tracking, product, messages)
  const unmappedFirst = (wanted: string): string | undefined => {
    const name = findSubmitted(submitted, wanted)
    return name !== undefined && mapped(name) === undefined ? cleaned.get(name)?.[0] : undefined
  }
  const dropped = applyAttribution(draft, form, unmappedFirst, messages)
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

  return { fields, errors: draft.errors, dropped, kept: draft.kept }
}

interface FormSources { pageSources: ReadonlySet<string>, nameSources: ReadonlySet<string> }
// Per form object, built on first use: a reload brings new form objects, so nothing goes stale.
const formSources = new WeakMap<FormConfig, FormSources>()

/** The lower-cased names that carry the product page and the product name, for "said elsewhere". */
function sourcesOf (form: FormConfig): FormSources {
  let sources = formSources.get(form)
  if (sources === undefined) {
    sources = {
      pageSources: new Set([...PRODUCT_URL_SOURCES, ...form.productUrl.sources].map((source) => source.toLowerCase())),
      nameSources: new Set((form.productName?.sources ?? []).map((source) => source.toLowerCase()))
    }
    formSources.set(form, sources)
  }
  return sources
}

const ATTACHMENT_NOTE = ' (attachment)'

/**
 * Values as the lead shows them: WordPress titles arrive HTML-escaped (&#8211;) and are decoded; the
 * intake's note after an attached file's name is said in the form's language.
 */
function readable (name: string, list: string[], messages: Messages): string[] {
  const wordPress = isWordPressText(name)
  return list.map((value) => {
    const text = wordPress ? cleanText(decodeEntities(value)) : value
    return text.endsWith(ATTACHMENT_NOTE) ? `${text.slice(0, -ATTACHMENT_NOTE.length)} (${messages.attachment})` : text
  })
}
