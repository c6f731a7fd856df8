/**
 * Sales Intelligence traces: crm.tracking.trace.add links one trace to existing records, and the add
 * methods (crm.lead.add, crm.deal.add, crm.contact.add, crm.company.add) record the TRACE field they
 * are given. Both kinds land in one store, so tests and the inspection routes see either way alike.
 */
import { RestError } from '../rest-error.ts'
import { isRecord, resolveParam, scalarString, toList } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { PortalState } from '../state.ts'
import type { StoredTrace, TraceEntity } from '../types.ts'

const ENTITY_TYPES = ['COMPANY', 'CONTACT', 'DEAL', 'LEAD', 'QUOTE'] as const

// The portal answers every refusal of this method with ERROR_CORE and a sentence.
const coreError = (description: string): RestError => new RestError(400, 'ERROR_CORE', description)

/** A JSON object or list, or undefined when the text is not one. */
function parseTrace (value: unknown): unknown {
  if (typeof value !== 'string') return undefined
  try {
    const parsed: unknown = JSON.parse(value)
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined
  } catch {
    return undefined
  }
}

function entityExists (state: PortalState, entity: TraceEntity): boolean {
  switch (entity.TYPE) {
    case 'LEAD': return state.lead(entity.ID) !== undefined
    case 'DEAL': return state.crm.get('deal', entity.ID) !== undefined
    case 'CONTACT': return state.crm.get('contact', entity.ID) !== undefined
    case 'COMPANY': return state.crm.get('company', entity.ID) !== undefined
    default: return false
  }
}

function saveTrace (state: PortalState, trace: unknown, raw: string, entities: TraceEntity[], via: StoredTrace['via']): number {
  const id = state.crm.nextId('trace')
  state.crm.traces.set(id, { ID: id, TRACE: trace, raw, ENTITIES: entities, via })
  return id
}

/**
 * The TRACE field of an add, handed to tracking after the record exists. A trace the tracker cannot
 * read is left unrecorded; the record itself stays (the add has already succeeded).
 */
export function recordTraceOfAdd (state: PortalState, type: TraceEntity['TYPE'], id: number, fields: unknown): void {
  if (!isRecord(fields) || !Object.hasOwn(fields, 'TRACE')) return
  const trace = parseTrace(fields.TRACE)
  if (trace !== undefined) saveTrace(state, trace, fields.TRACE as string, [{ TYPE: type, ID: id }], 'add')
}

/** The traces linked to one record, oldest first. */
export function tracesOf (state: PortalState, type: TraceEntity['TYPE'], id: number): StoredTrace[] {
  return [...state.crm.traces.values()].filter(t => t.ENTITIES.some(e => e.TYPE === type && e.ID === id))
}

export const trackingMethods: MethodFamily = registry => {
  registry.add('crm.tracking.trace.add', {
    scope: 'crm',
    handler: (params, { state }) => {
      const text = resolveParam(params, 'TRACE')
      if (text === undefined || text === null || text === '') throw coreError('Parameter `TRACE` required.')
      const trace = parseTrace(text)
      if (trace === undefined) throw coreError('Can not parse JSON in parameter `TRACE`.')
      const entities: TraceEntity[] = []
      for (const item of toList(resolveParam(params, 'ENTITIES'))) {
        const type = isRecord(item) ? scalarString(item.TYPE).trim().toUpperCase() : ''
        if (!(ENTITY_TYPES as readonly string[]).includes(type)) {
          throw coreError(`Wrong TYPE in parameter \`ENTITIES\`. Allowed types: ${ENTITY_TYPES.join(',')}`)
        }
        const idText = isRecord(item) ? scalarString(item.ID).trim() : ''
        const id = /^\d+$/.test(idText) ? Number(idText) : 0
        if (id <= 0) throw coreError('Wrong ID in parameter `ENTITIES`.')
        const entity = { TYPE: type as TraceEntity['TYPE'], ID: id }
        // A record that does not exist is refused the way one the user may not edit is.
        if (!entityExists(state, entity)) throw coreError(`You have no access to entity \`${type}\` with ID \`${id}\`.`)
        entities.push(entity)
      }
      return { result: saveTrace(state, trace, text as string, entities, 'crm.tracking.trace.add') }
    }
  })
}
