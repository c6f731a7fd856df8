/** The crm.status.* family: list, entity.items and entity.types over the status dictionaries. */
import { crmError } from '../rest-error.ts'
import { resolveArrayParam, scalarString } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { PortalState } from '../state.ts'
import { statusEntityIds, statusesOf } from './status-data.ts'

const SEMANTIC_WORD = { S: 'success', F: 'failure' } as const
const COLORS: Record<string, string> = { S: '#7BD500', F: '#FF5752' }

function listItems (state: PortalState): Array<Record<string, unknown>> {
  let id = 0
  return statusEntityIds(state).flatMap(entityId => statusesOf(state, entityId).map(s => {
    const color = entityId === 'STATUS' ? (COLORS[s.SEMANTICS ?? ''] ?? '#39A8EF') : null
    const item: Record<string, unknown> = {
      ID: String(++id),
      ENTITY_ID: entityId,
      STATUS_ID: s.STATUS_ID,
      NAME: s.NAME,
      NAME_INIT: s.NAME,
      SORT: String(s.SORT),
      SYSTEM: 'Y',
      CATEGORY_ID: null,
      COLOR: color,
      SEMANTICS: s.SEMANTICS ?? null
    }
    // Only lead stages carry the EXTRA block with the semantic word and colour.
    if (entityId === 'STATUS') {
      const semantics = s.SEMANTICS === undefined || s.SEMANTICS === null ? 'process' : SEMANTIC_WORD[s.SEMANTICS]
      item.EXTRA = { SEMANTICS: semantics, COLOR: color }
    }
    return item
  }))
}

export const statusMethods: MethodFamily = registry => {
  registry.add('crm.status.list', {
    scope: 'crm',
    handler: (params, { state }) => {
      const filter = resolveArrayParam(params, 'filter') ?? {}
      const order = resolveArrayParam(params, 'order') ?? {}
      let items = listItems(state).filter(item =>
        Object.entries(filter).every(([k, v]) => scalarString(item[k.replace(/^=/, '')]) === scalarString(v)))
      const [orderKey, dir] = Object.entries(order)[0] ?? []
      if (orderKey !== undefined) {
        const sign = scalarString(dir).toUpperCase() === 'DESC' ? -1 : 1
        const val = (x: Record<string, unknown>): string => scalarString(x[orderKey])
        const num = (s: string): number | null => /^\d+$/.test(s) ? Number(s) : null
        items = [...items].sort((a, b) => {
          const x = val(a); const y = val(b); const nx = num(x); const ny = num(y)
          return sign * (nx !== null && ny !== null ? nx - ny : x.localeCompare(y))
        })
      }
      return { result: items, total: items.length }
    }
  })

  registry.add('crm.status.entity.items', {
    scope: 'crm',
    handler: (params, { state }) => {
      const entityId = scalarString(params.entityId ?? params.ENTITY_ID ?? params.ENTITYID).trim()
      if (entityId === '' || !statusEntityIds(state).includes(entityId)) {
        throw crmError('The parameter entityId is not defined or invalid.')
      }
      return { result: statusesOf(state, entityId).map(s => ({ NAME: s.NAME, SORT: s.SORT, STATUS_ID: s.STATUS_ID })) }
    }
  })

  registry.add('crm.status.entity.types', {
    scope: 'crm',
    handler: (_params, { state }) => ({
      result: statusEntityIds(state).map(id => id === 'STATUS'
        ? {
            ID: 'STATUS',
            NAME: 'Lead stages',
            SEMANTIC_INFO: { START_FIELD: 'NEW', FINAL_SUCCESS_FIELD: 'CONVERTED', FINAL_UNSUCCESS_FIELD: 'JUNK' },
            ENTITY_TYPE_ID: 1
          }
        : { ID: id, NAME: id.charAt(0) + id.slice(1).toLowerCase() })
    })
  })
}
