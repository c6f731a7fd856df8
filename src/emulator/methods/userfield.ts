/** crm.lead.userfield.list from the `userFields` option; enumeration fields carry their LIST items. */
import { resolveArrayParam, scalarString } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { UserFieldListItem, UserFieldSpec } from '../types.ts'

export interface ListItem { ID: string, SORT: string, VALUE: string, DEF: 'Y' | 'N', XML_ID: string }

/** LIST items of every enumeration field; ids not given are numbered across all fields, as the portal's are global. */
export function enumerationItems (userFields: UserFieldSpec[]): Map<string, ListItem[]> {
  const out = new Map<string, ListItem[]>()
  let next = 1
  for (const uf of userFields) {
    if (uf.list === undefined) continue
    const items = uf.list.map((raw, i): ListItem => {
      const item: UserFieldListItem = typeof raw === 'string' ? { VALUE: raw } : raw
      const id = item.ID ?? next
      next = Math.max(next, id) + 1
      return {
        ID: String(id),
        SORT: String((i + 1) * 10),
        VALUE: item.VALUE,
        DEF: item.DEF === true ? 'Y' : 'N',
        XML_ID: item.XML_ID ?? `item${id}`
      }
    })
    out.set(uf.name, items)
  }
  return out
}

function describe (uf: UserFieldSpec, index: number, items: ListItem[] | undefined): Record<string, unknown> {
  const label = uf.label ?? uf.name
  const type = uf.type ?? (items !== undefined ? 'enumeration' : 'string')
  const info: Record<string, unknown> = {
    ID: String(index + 1),
    ENTITY_ID: 'CRM_LEAD',
    FIELD_NAME: uf.name,
    USER_TYPE_ID: type,
    XML_ID: null,
    SORT: String((index + 1) * 100),
    MULTIPLE: uf.multiple === true ? 'Y' : 'N',
    MANDATORY: uf.mandatory === true ? 'Y' : 'N',
    SHOW_FILTER: 'N',
    SHOW_IN_LIST: 'Y',
    EDIT_IN_LIST: 'Y',
    IS_SEARCHABLE: 'N',
    SETTINGS: type === 'enumeration' ? { DISPLAY: 'LIST', LIST_HEIGHT: 1 } : {},
    EDIT_FORM_LABEL: label,
    LIST_COLUMN_LABEL: label,
    LIST_FILTER_LABEL: label,
    ERROR_MESSAGE: null,
    HELP_MESSAGE: null
  }
  if (items !== undefined) info.LIST = items
  return info
}

export const userfieldMethods: MethodFamily = registry => {
  registry.add('crm.lead.userfield.list', {
    scope: 'crm',
    handler: (params, { state }) => {
      const filter = resolveArrayParam(params, 'filter') ?? {}
      const items = enumerationItems(state.settings.userFields)
      const all = state.settings.userFields.map((uf, i) => describe(uf, i, items.get(uf.name)))
      const result = all.filter(f => Object.entries(filter).every(([k, v]) => scalarString(f[k]) === scalarString(v)))
      return { result, total: result.length }
    }
  })
}
