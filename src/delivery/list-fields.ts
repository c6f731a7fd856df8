/**
 * Custom list (enumeration) fields: the visitor posts the label ("Москва"), the portal wants the
 * item id. The portal's items come from crm.lead.userfield.list, cached per portal and refreshed
 * after `listRefreshMs`; a label the list does not know is left out of the field and noted in COMMENTS.
 */
import type { ListFieldInfo } from '../bitrix/crm-extras.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import { appendComments } from '../mapping/rich-text.ts'

/** One portal's list fields, loaded at most once per refresh interval (concurrent callers share a load). */
export class ListFieldCache {
  #loadedAt = -Infinity
  #fields: Map<string, ListFieldInfo> | undefined
  #pending: Promise<Map<string, ListFieldInfo> | undefined> | undefined

  constructor (private readonly refreshMs: number, private readonly now: () => number) {}

  /** The cached fields, or what `load` brings (undefined when it failed: the caller has settled its submission). */
  async get (load: () => Promise<ListFieldInfo[] | undefined>): Promise<Map<string, ListFieldInfo> | undefined> {
    if (this.#fields !== undefined && this.now() - this.#loadedAt < this.refreshMs) return this.#fields
    this.#pending ??= (async () => {
      try {
        const rows = await load()
        if (rows === undefined) return undefined
        this.#fields = new Map(rows.map(r => [r.name, r]))
        this.#loadedAt = this.now()
        return this.#fields
      } finally {
        this.#pending = undefined
      }
    })()
    return await this.#pending
  }
}

// "Москва", " москва ", "МОСКВА" and "Москва." are one city; ё and е are one letter to most visitors.
// Trailing dots and spaces go by index: /[.\s]+$/ retries from every dot of a long run (quadratic).
function normalize (label: string): string {
  const text = label.trim()
  let end = text.length
  while (end > 0 && (text[end - 1] === '.' || /\s/.test(text.charAt(end - 1)))) end--
  return text.slice(0, end).replace(/ё/gi, 'е').toLowerCase()
}

export interface ResolvedLists {
  fields: LeadFields
  /** Labels not in their list, as [field, label]. */
  unknown: Array<[string, string]>
}

/** Replaces labels by item ids in the named fields; item ids typed as such are kept. */
export function resolveListLabels (
  fields: LeadFields, names: readonly string[], lists: ReadonlyMap<string, ListFieldInfo>
): ResolvedLists {
  const out: LeadFields = { ...fields }
  const unknown: Array<[string, string]> = []
  for (const name of names) {
    const info = lists.get(name)
    const value = out[name]
    // Not a list on this portal (or nothing posted): the value goes as it is.
    if (info === undefined || value === undefined) continue
    const labels = Array.isArray(value) ? (value as unknown[]).map(String) : [String(value)]
    const ids: string[] = []
    for (const label of labels) {
      const byId = info.items.find(i => i.id === label.trim())
      const byLabel = info.items.find(i => normalize(i.label) === normalize(label))
      const id = byId?.id ?? byLabel?.id
      if (id === undefined) unknown.push([name, label])
      else if (!ids.includes(id)) ids.push(id)
    }
    if (ids.length === 0) delete out[name]
    else out[name] = ids.length === 1 ? ids[0] as string : ids
  }
  return { fields: out, unknown }
}

/** COMMENTS with a line for every label that is not in its list. */
export function noteUnknownLabels (fields: LeadFields, unknown: ResolvedLists['unknown'], language: 'ru' | 'en'): LeadFields {
  if (unknown.length === 0) return fields
  // COMMENTS is encoded as the mapping writes it (src/mapping/rich-text.ts).
  const lines = unknown.map(([name, label]) =>
    language === 'ru' ? `${name}: «${label}» нет в списке` : `${name}: "${label}" is not in the list`)
  return { ...fields, COMMENTS: appendComments(fields.COMMENTS, lines) }
}
