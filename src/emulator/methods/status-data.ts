/** Default status dictionaries (lead stages, sources, salutations) and the options that override them. */
import type { PortalState } from '../state.ts'
import type { StatusSpec } from '../types.ts'

const DEFAULTS: Record<string, StatusSpec[]> = {
  STATUS: [
    { STATUS_ID: 'NEW', NAME: 'Unassigned', SORT: 10 },
    { STATUS_ID: 'IN_PROCESS', NAME: 'In progress', SORT: 20 },
    { STATUS_ID: 'PROCESSED', NAME: 'Processed', SORT: 30 },
    { STATUS_ID: 'CONVERTED', NAME: 'Good lead', SORT: 40, SEMANTICS: 'S' },
    { STATUS_ID: 'JUNK', NAME: 'Junk lead', SORT: 50, SEMANTICS: 'F' }
  ],
  SOURCE: [
    ['CALL', 'Call'], ['EMAIL', 'E-Mail'], ['WEB', 'Website'], ['ADVERTISING', 'Advertising'],
    ['PARTNER', 'Existing client'], ['RECOMMENDATION', 'By recommendation'], ['TRADE_SHOW', 'Show/Exhibition'],
    ['WEBFORM', 'CRM form'], ['CALLBACK', 'Callback'], ['RC_GENERATOR', 'Sales boost'], ['STORE', 'Online store'],
    ['OTHER', 'Other']
  ].map(([id, name], i) => ({ STATUS_ID: id as string, NAME: name as string, SORT: (i + 1) * 10 })),
  HONORIFIC: [
    { STATUS_ID: 'HNR_EN_1', NAME: 'Mr.', SORT: 10 },
    { STATUS_ID: 'HNR_EN_2', NAME: 'Mrs.', SORT: 20 },
    { STATUS_ID: 'HNR_EN_3', NAME: 'Ms.', SORT: 30 },
    { STATUS_ID: 'HNR_EN_4', NAME: 'Dr.', SORT: 40 }
  ]
}

/** Entries of one dictionary, sorted by SORT; an entity given in the options replaces the default. */
export function statusesOf (state: PortalState, entityId: string): StatusSpec[] {
  // Own keys only: an ENTITY_ID of `constructor` is an unknown dictionary, not Object's constructor.
  const list = (Object.hasOwn(state.settings.statuses, entityId) ? state.settings.statuses[entityId] : undefined) ??
    (Object.hasOwn(DEFAULTS, entityId) ? DEFAULTS[entityId] : undefined) ?? []
  return list
    .map((s, i) => ({ ...s, SORT: s.SORT ?? (i + 1) * 10 }))
    .sort((a, b) => a.SORT - b.SORT)
}

export function statusEntityIds (state: PortalState): string[] {
  return [...new Set([...Object.keys(DEFAULTS), ...Object.keys(state.settings.statuses)])]
}

/** Lead stage semantics for STATUS_SEMANTIC_ID: P in progress, S success, F failure, null if unknown. */
export function leadSemantic (state: PortalState, statusId: string): 'P' | 'S' | 'F' | null {
  const entry = statusesOf(state, 'STATUS').find(s => s.STATUS_ID === statusId)
  if (entry === undefined) return null
  return entry.SEMANTICS ?? 'P'
}
