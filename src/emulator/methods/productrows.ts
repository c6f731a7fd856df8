/** crm.lead.productrows.set/get and crm.deal.productrows.set/get: `set` replaces the rows; the total follows them. */
import { crmError } from '../rest-error.ts'
import { isRecord, resolveParam, scalarString, toList, type Params } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { PortalState } from '../state.ts'
import type { StoredProductRow } from '../types.ts'
import { requireEntityId } from './contact-entity.ts'

type Owner = 'L' | 'D'

function owner (state: PortalState, type: Owner, id: number): Record<string, unknown> | undefined {
  return type === 'L' ? state.lead(id)?.fields : state.crm.get('deal', id)?.fields
}

const num = (v: unknown, fallback: number): number => {
  const n = Number(scalarString(v).replace(',', '.'))
  return scalarString(v) !== '' && Number.isFinite(n) ? n : fallback
}

function setRows (params: Params, state: PortalState, type: Owner): boolean {
  const id = requireEntityId(params)
  const fields = owner(state, type, id)
  if (fields === undefined) throw crmError('Not found')
  const rows: StoredProductRow[] = toList(resolveParam(params, 'rows')).filter(isRecord).map(r => ({
    ID: state.crm.nextId('row'),
    OWNER_TYPE: type,
    OWNER_ID: id,
    PRODUCT_ID: num(r.PRODUCT_ID, 0),
    PRODUCT_NAME: scalarString(r.PRODUCT_NAME),
    PRICE: num(r.PRICE, 0),
    QUANTITY: num(r.QUANTITY, 1)
  }))
  if (rows.some(r => r.PRODUCT_ID === 0 && r.PRODUCT_NAME.trim() === '')) throw crmError('The product name is not specified.')
  state.crm.productRows.set(`${type}:${id}`, rows)
  // Without a manual amount the portal recomputes OPPORTUNITY from the rows.
  if (scalarString(fields.IS_MANUAL_OPPORTUNITY) !== 'Y') fields.OPPORTUNITY = rows.reduce((sum, r) => sum + r.PRICE * r.QUANTITY, 0)
  return true
}

function getRows (params: Params, state: PortalState, type: Owner): unknown[] {
  const id = requireEntityId(params)
  if (owner(state, type, id) === undefined) throw crmError('Not found')
  return (state.crm.productRows.get(`${type}:${id}`) ?? []).map(r => ({
    ID: String(r.ID),
    OWNER_ID: String(r.OWNER_ID),
    OWNER_TYPE: r.OWNER_TYPE,
    PRODUCT_ID: r.PRODUCT_ID,
    PRODUCT_NAME: r.PRODUCT_NAME,
    PRICE: r.PRICE,
    QUANTITY: r.QUANTITY
  }))
}

export const productrowsMethods: MethodFamily = registry => {
  for (const [entity, type] of [['lead', 'L'], ['deal', 'D']] as const) {
    registry.add(`crm.${entity}.productrows.set`, {
      scope: 'crm', handler: (params, { state }) => ({ result: setRows(params, state, type) })
    })
    registry.add(`crm.${entity}.productrows.get`, {
      scope: 'crm', handler: (params, { state }) => ({ result: getRows(params, state, type) })
    })
  }
}
