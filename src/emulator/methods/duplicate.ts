/** crm.duplicate.findbycomm: find leads, contacts and companies by phone or e-mail. */
import { phpMap } from '../envelope.ts'
import { RestError } from '../rest-error.ts'
import { resolveArrayParam, resolveParam, scalarString, type Params } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { StoredMultiValue } from '../types.ts'
import { emailKey, phoneKey } from './multifield.ts'

const MAX_VALUES = 20
const MAX_PER_VALUE = 20

// This method answers with the message in `error` (docs), unlike the rest of crm.
const commError = (error: string, description = error): RestError => new RestError(400, error, description)

function entityTypeOf (params: Params): string {
  const raw = params.entity_type ?? params.ENTITY_TYPE ?? params.entityType ?? params.EntityType
  return scalarString(raw).trim().toUpperCase()
}

export const duplicateMethods: MethodFamily = registry => {
  registry.add('crm.duplicate.findbycomm', {
    scope: 'crm',
    handler: (params, { state }) => {
      const type = scalarString(resolveParam(params, 'type')).trim().toUpperCase()
      if (type === '') throw commError('Communication type is not defined', "Parameter 'type' is required.")
      if (type !== 'EMAIL' && type !== 'PHONE') throw commError(`Communication type '${type}' is not supported in current context`)
      const values = resolveArrayParam(params, 'values')
      if (values === undefined || Object.keys(values).length === 0) {
        throw commError('Communication values is not defined', "Parameter 'values' is required.")
      }
      const entityType = entityTypeOf(params)
      if (entityType === 'DEAL') throw commError('Deal is not supported in current context.')

      const keyOf = type === 'PHONE' ? phoneKey : emailKey
      // The server skips non-string and empty values, dedupes, and stops after 20 criteria.
      const wanted = [...new Set(Object.values(values).filter((v): v is string => typeof v === 'string' && v !== '').map(keyOf))]
        .filter(k => k !== '')
        .slice(0, MAX_VALUES)
      const found: Record<string, number[]> = {}
      const owners: Array<[string, Array<{ ID: number, fields: Record<string, unknown> }>]> = [
        ['LEAD', state.leads()],
        ['CONTACT', state.crm.list('contact')],
        ['COMPANY', state.crm.list('company')]
      ]
      for (const [owner, records] of owners) {
        if (entityType !== '' && entityType !== owner) continue
        const ids: number[] = []
        for (const key of wanted) {
          const hits = records
            .filter(r => ((r.fields[type] as StoredMultiValue[] | undefined) ?? []).some(v => keyOf(v.VALUE) === key))
            .slice(0, MAX_PER_VALUE)
          for (const r of hits) if (!ids.includes(r.ID)) ids.push(r.ID)
        }
        if (ids.length > 0) found[owner] = ids
        // Once one type reaches 20 matches the server stops and leaves the other types out.
        if (ids.length >= MAX_PER_VALUE) break
      }
      return { result: phpMap(found) }
    }
  })
}
