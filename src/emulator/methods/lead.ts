/** The crm.lead.* family: add, get, list and fields. */
import { crmError } from '../rest-error.ts'
import { resolveArrayParam, resolveParam, scalarString, toList, type Params } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import { leadFieldInfos } from './lead-fields.ts'
import { matches, parseFilter, sortLeads } from './lead-filter.ts'
import { leadForGet, leadForList } from './lead-read.ts'
import { addLead } from './lead-write.ts'
import { convertIfSimpleMode } from './settings-conversion.ts'
import { recordTraceOfAdd } from './tracking.ts'

export const PAGE_SIZE = 50

/** A positive integer id from `id`/`ID`, or the portal's complaint. */
function requireId (params: Params): number {
  const raw = scalarString(resolveParam(params, 'id')).trim()
  const id = /^\d+$/.test(raw) ? Number(raw) : 0
  if (id <= 0) throw crmError('ID is not defined or invalid.')
  return id
}

export const leadMethods: MethodFamily = registry => {
  registry.add('crm.lead.add', {
    scope: 'crm',
    handler: (params, ctx) => {
      // An absent `fields` or `params` falls back to an empty map; a non-map value is an error.
      const fields = resolveArrayParam(params, 'fields') ?? resolveParam(params, 'fields')
      const extra = resolveArrayParam(params, 'params') ?? resolveParam(params, 'params')
      const id = addLead(ctx.state, fields, extra, ctx.inBatch)
      recordTraceOfAdd(ctx.state, 'LEAD', id, fields)
      // Simple mode converts the new lead into a deal at once; the answer is still the lead id.
      convertIfSimpleMode(ctx.state, id)
      return { result: id }
    }
  })

  registry.add('crm.lead.get', {
    scope: 'crm',
    handler: (params, { state }) => {
      const lead = state.lead(requireId(params))
      if (lead === undefined) throw crmError('Not found')
      return { result: leadForGet(lead, state) }
    }
  })

  registry.add('crm.lead.list', {
    scope: 'crm',
    handler: (params, { state }) => {
      const filter = resolveArrayParam(params, 'filter') ?? {}
      const order = resolveArrayParam(params, 'order') ?? {}
      const select = toList(resolveParam(params, 'select')).map(scalarString).filter(s => s !== '')
      const startRaw = Number.parseInt(scalarString(params.start ?? params.START), 10)
      // start=-1 asks the portal to skip counting: first page, no total, no next.
      const skipCount = startRaw === -1
      const start = Number.isFinite(startRaw) && startRaw > 0 ? startRaw : 0
      const conditions = parseFilter(filter)
      const found = sortLeads(state.leads().filter(l => matches(l, conditions, state)), order, state)
      const page = found.slice(start, start + PAGE_SIZE).map(l => leadForList(l, state, select))
      if (skipCount) return { result: page }
      return {
        result: page,
        total: found.length,
        next: start + PAGE_SIZE < found.length ? start + PAGE_SIZE : undefined
      }
    }
  })

  registry.add('crm.lead.fields', {
    scope: 'crm',
    handler: (_params, { state }) => ({ result: leadFieldInfos(state.settings.quirks, state.settings.userFields) })
  })
}
