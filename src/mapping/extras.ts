/**
 * The extras of one submission (what it asks beyond "add this lead"), pure like the rest of the
 * mapping: duplicates mode, target entity, timeline, the assignee rotation, list fields present in
 * the lead, a product row read from the form, and the files accepted at intake.
 */
import { hasExtras, type LeadExtras, type ProductRow } from '../domain/lead-extras.ts'
import type { StoredFile } from '../domain/stored-file.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import type { FormConfig } from '../config/schema.ts'
import { findSubmitted } from './field-names.ts'
import { cleanValues, oneLine, truncate } from './text.ts'
import { parseAmount } from './values.ts'

export interface ExtrasInput {
  form: FormConfig
  values: Record<string, string | string[]>
  /** The mapped lead fields (list fields are only resolved when the lead carries them). */
  fields: LeadFields
  files?: StoredFile[]
}

// The portal keeps product names up to 255 characters.
const PRODUCT_NAME_MAX = 255

/** A positive quantity: "2", "1,5", "3 шт." → 2, 1.5, 3. */
export function parseQuantity (typed: string): number | undefined {
  const match = /^\s*(\d+(?:[.,]\d+)?)/.exec(typed)
  if (match?.[1] === undefined) return undefined
  const n = Number(match[1].replace(',', '.'))
  return Number.isFinite(n) && n > 0 ? n : undefined
}

/** The product row named by `form.product`, when the visitor posted a product name. */
export function readProductRow (form: FormConfig, values: ExtrasInput['values']): ProductRow | undefined {
  const spec = form.product
  if (spec === undefined) return undefined
  const submitted = Object.keys(values)
  const first = (wanted: string | undefined): string | undefined => {
    if (wanted === undefined) return undefined
    const name = findSubmitted(submitted, wanted)
    return name === undefined ? undefined : cleanValues(values[name])[0]
  }
  const name = first(spec.name)
  if (name === undefined) return undefined
  const priceText = first(spec.price)
  const quantityText = first(spec.quantity)
  // An unreadable price stays readable in COMMENTS (the field is not mapped); the row gets 0.
  const price = priceText === undefined ? 0 : parseAmount(priceText, form.language) ?? 0
  const quantity = quantityText === undefined ? 1 : parseQuantity(quantityText) ?? 1
  return { PRODUCT_NAME: truncate(oneLine(name), PRODUCT_NAME_MAX), PRICE: price, QUANTITY: quantity }
}

export function mapExtras (input: ExtrasInput): LeadExtras | undefined {
  const { form, fields } = input
  const extras: LeadExtras = {}
  if (form.duplicates !== 'create') extras.duplicates = form.duplicates
  if (form.entity === 'deal') extras.entity = 'deal'
  if (form.timeline) extras.timeline = true
  // One user is a plain constant (defaults.ASSIGNED_BY_ID already holds it); only a list rotates.
  if (form.assignees !== undefined && form.assignees.length > 1) extras.assignees = [...form.assignees]
  const lists = form.listFields.filter(name => fields[name] !== undefined)
  if (lists.length > 0) extras.listFields = lists
  const product = readProductRow(form, input.values)
  if (product !== undefined) extras.product = product
  if (form.files !== undefined && input.files !== undefined && input.files.length > 0) {
    const { maxBytes, types, download, downloadTimeoutMs, target } = form.files
    const f = form.files
    // The network rules matter only to forms that fetch links; the others keep their short record.
    const network = download
      ? {
          ...(f.allowHosts !== undefined ? { allowHosts: f.allowHosts } : {}),
          allowPrivateAddresses: f.allowPrivateAddresses,
          downloadBudgetMs: f.downloadBudgetMs,
          minBytesPerSecond: f.minBytesPerSecond,
          slowGraceMs: f.slowGraceMs
        }
      : {}
    extras.files = {
      items: input.files,
      rules: { maxBytes, types, download, downloadTimeoutMs, ...network },
      ...(target !== undefined ? { target } : {})
    }
  }
  return hasExtras(extras) ? extras : undefined
}
