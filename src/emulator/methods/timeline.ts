/** crm.timeline.comment.add / list: text comments (with files) on a lead, deal, contact or company. */
import { isoWithOffset } from '../envelope.ts'
import { RestError } from '../rest-error.ts'
import { isRecord, resolveArrayParam, scalarString, toList, type Params } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { PortalState } from '../state.ts'
import type { StoredComment } from '../types.ts'

const OWNER_TYPES = new Set(['lead', 'deal', 'contact', 'company'])
const PAGE_SIZE = 50

const argError = (code: string, description: string): RestError => new RestError(400, code, description)

function ownerExists (state: PortalState, type: string, id: number): boolean {
  if (type === 'lead') return state.lead(id) !== undefined
  return state.crm.get(type as 'deal' | 'contact' | 'company', id) !== undefined
}

/** FILES: [["name", "<base64>"], ...] (or {name, content} pairs as bracket notation delivers them). */
function saveFiles (state: PortalState, raw: unknown): number[] {
  const ids: number[] = []
  for (const item of toList(raw)) {
    const pair = Array.isArray(item) ? item : isRecord(item) ? Object.values(item) : []
    const file = state.crm.saveFile(scalarString(pair[0]), scalarString(pair[1]))
    if (file !== undefined) ids.push(file.id)
  }
  return ids
}

function addComment (params: Params, state: PortalState): number {
  // Only lowercase `fields` is read since crm 23.100.0.
  const fields = isRecord(params.fields) ? params.fields : undefined
  if (fields === undefined) throw argError('100', 'Required fields: ENTITY_ID, ENTITY_TYPE, COMMENT')
  const type = scalarString(fields.ENTITY_TYPE).trim().toLowerCase()
  const idText = scalarString(fields.ENTITY_ID).trim()
  const id = /^\d+$/.test(idText) ? Number(idText) : 0
  if (type === '' || idText === '') throw argError('100', 'Required fields: ENTITY_ID, ENTITY_TYPE')
  if (!OWNER_TYPES.has(type) || id <= 0 || !ownerExists(state, type, id)) throw argError('OWNER_NOT_FOUND', 'Owner not found.')
  const comment = scalarString(fields.COMMENT)
  if (comment.trim() === '') throw argError('INVALID_ARG_VALUE', 'Comment is empty.')
  const stored: StoredComment = {
    ID: state.crm.nextId('comment'),
    ENTITY_ID: id,
    ENTITY_TYPE: type,
    COMMENT: comment,
    FILES: saveFiles(state, fields.FILES),
    CREATED: isoWithOffset(Date.now())
  }
  state.crm.comments.set(stored.ID, stored)
  return stored.ID
}

function listComments (params: Params, state: PortalState): { result: unknown, total: number, next?: number } {
  const filter = resolveArrayParam(params, 'filter') ?? {}
  const type = scalarString(filter.ENTITY_TYPE ?? filter['=ENTITY_TYPE']).trim().toLowerCase()
  const id = scalarString(filter.ENTITY_ID ?? filter['=ENTITY_ID']).trim()
  if (type === '' || id === '') throw argError('INVALID_ARG_VALUE', 'ENTITY_ID and ENTITY_TYPE are required in filter.')
  const startRaw = Number.parseInt(scalarString(params.start ?? params.START), 10)
  const start = Number.isFinite(startRaw) && startRaw > 0 ? startRaw : 0
  // Newest first, as the timeline shows them.
  const found = [...state.crm.comments.values()].filter(c => c.ENTITY_TYPE === type && String(c.ENTITY_ID) === id).reverse()
  const page = found.slice(start, start + PAGE_SIZE).map(c => ({
    ID: String(c.ID),
    CREATED: c.CREATED,
    ENTITY_ID: String(c.ENTITY_ID),
    ENTITY_TYPE: c.ENTITY_TYPE,
    AUTHOR_ID: String(state.settings.userId),
    COMMENT: c.COMMENT,
    FILES: Object.fromEntries(c.FILES.map(fid => {
      const f = state.crm.files.get(fid)
      return [String(fid), { id: fid, name: f?.name ?? '', size: f?.size ?? 0 }]
    }))
  }))
  return { result: page, total: found.length, ...(start + PAGE_SIZE < found.length ? { next: start + PAGE_SIZE } : {}) }
}

export const timelineMethods: MethodFamily = registry => {
  registry.add('crm.timeline.comment.add', { scope: 'crm', handler: (params, { state }) => ({ result: addComment(params, state) }) })
  registry.add('crm.timeline.comment.list', { scope: 'crm', handler: (params, { state }) => listComments(params, state) })
}
