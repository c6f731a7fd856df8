/** Public types of the Bitrix24 portal emulator: options, the control handle, stored leads and faults. */

/** One stored value of a multifield (PHONE, EMAIL, WEB, IM, LINK). */
export interface StoredMultiValue {
  ID: number
  VALUE: string
  VALUE_TYPE: string
}

/** The kept fields of a lead: values as sent, plus the defaults the server fills in. */
export interface StoredLeadFields {
  TITLE: string
  STATUS_ID: string
  DATE_CREATE: string
  ORIGINATOR_ID?: unknown
  ORIGIN_ID?: unknown
  PHONE?: StoredMultiValue[]
  EMAIL?: StoredMultiValue[]
  WEB?: StoredMultiValue[]
  IM?: StoredMultiValue[]
  LINK?: StoredMultiValue[]
  [field: string]: unknown
}

/** A record a Sales Intelligence trace is linked to. */
export interface TraceEntity {
  TYPE: 'COMPANY' | 'CONTACT' | 'DEAL' | 'LEAD' | 'QUOTE'
  ID: number
}

/** A trace the portal recorded: from an add's TRACE field or from crm.tracking.trace.add. */
export interface StoredTrace {
  ID: number
  /** The trace, parsed. */
  TRACE: unknown
  /** The TRACE text exactly as sent. */
  raw: string
  ENTITIES: TraceEntity[]
  via: 'add' | 'crm.tracking.trace.add'
}

export interface StoredLead {
  ID: number
  /** What the portal keeps: known fields and UF_CRM_* only, defaults applied, multifields normalised. */
  fields: StoredLeadFields
  /** The `fields` parameter exactly as parsed from the request, dropped keys included. */
  sent: Record<string, unknown>
  /** The `params` parameter (REGISTER_SONET_EVENT, IMPORT), as parsed. */
  params: Record<string, unknown>
  /** True when the lead came from a command inside `batch`. */
  viaBatch: boolean
}

/** One item of an enumeration (list) user field; ids are assigned in order when left out. */
export interface UserFieldListItem {
  ID?: number
  VALUE: string
  XML_ID?: string
  DEF?: boolean
}

/** A contact, company or deal: fields as kept (multifields normalised like a lead's). */
export interface StoredEntity {
  ID: number
  fields: Record<string, unknown>
}

/** A file saved from `fileData` (a user field or a timeline comment). */
export interface StoredFile {
  id: number
  name: string
  size: number
  /** The bytes, base64. */
  content: string
}

export interface StoredComment {
  ID: number
  ENTITY_ID: number
  ENTITY_TYPE: string
  COMMENT: string
  FILES: number[]
  CREATED: string
}

export interface StoredProductRow {
  ID: number
  OWNER_TYPE: 'L' | 'D'
  OWNER_ID: number
  PRODUCT_ID: number
  PRODUCT_NAME: string
  PRICE: number
  QUANTITY: number
}

/** A lead user field the portal knows about (reported by crm.lead.fields and crm.lead.userfield.list). */
export interface UserFieldSpec {
  name: string
  /** string (default), enumeration, file, integer, double, date, boolean… */
  type?: string
  label?: string
  multiple?: boolean
  mandatory?: boolean
  /** Items of an `enumeration` field: plain labels or full items. */
  list?: Array<string | UserFieldListItem>
}

/** A status dictionary entry for crm.status.list. */
export interface StatusSpec {
  STATUS_ID: string
  NAME: string
  SORT?: number
  SEMANTICS?: 'S' | 'F' | null
}

/** Tokens for the deterministic "next N requests" fault queue. */
/** 'ok' serves its request normally: it lets a test aim a fault at the third request of a flow. */
export type FaultToken = 'ok' | '503' | '500' | 'reset' | 'lostReply' | '429' | '401' | '404' | '302'

export interface DelayRange { min: number, max: number }

/**
 * The fault plan. Probabilities are 0..1 and are rolled once per HTTP request to /rest/*;
 * `next` is consumed first, one token per request.
 */
export interface FaultConfig {
  seed?: number
  status503?: number
  status500?: number
  reset?: number
  lostReply?: number
  operationLimit?: number
  /** Share of requests answered 404 ERROR_METHOD_NOT_FOUND (1: a mistyped webhook path or a moved portal). */
  notFound?: number
  moved?: number
  /** Origin (scheme://host:port) that `moved` redirects to; path and query are kept. */
  movedTo?: string
  delayMs?: number | DelayRange
  /** Share of requests that get `delayMs` (default 1: all of them). */
  delayProbability?: number
  /** 'afterProcessing' (default): the work is done, the answer is late. 'beforeProcessing': the work itself starts late. */
  delayPhase?: 'beforeProcessing' | 'afterProcessing'
  /** Seconds until `operating_reset_at` in injected 429 answers (the live window is up to 600). Default 10. */
  operationResetSeconds?: number
  next?: FaultToken[]
}

/**
 * Behaviour the reference could not confirm. Defaults follow the most likely reading;
 * each switch lets a test pin the other reading.
 */
export interface Quirks {
  /** HTTP status of INVALID_CREDENTIALS: the docs say 403 (default); server code and one live measurement 401. */
  invalidCredentialsStatus: 401 | 403
  /** HTTP status of insufficient_scope: the docs say 403 (default); the code implies 401. */
  insufficientScopeStatus: 401 | 403
  /** error_description of insufficient_scope: empty in the docs' recorded example (default ''). */
  insufficientScopeDescription: string
  /** error_description of OPERATION_TIME_LIMIT, as recorded live inside a batch. */
  operationLimitDescription: string
  /** A single call answered 429 OPERATION_TIME_LIMIT carries `time` with operating_reset_at; false: no timing at all. */
  operationLimitTime: boolean
  /** Add a `time` object to 503 QUERY_LIMIT_EXCEEDED bodies. */
  queryLimitTime: boolean
  /** Send `operating` and `operating_reset_at` in `time` and in batch `result_time` (some portals leave them out). */
  operatingInTime: boolean
  /** Fail crm.lead.add without TITLE (old portals) instead of defaulting to "Lead #<id>". */
  requireTitle: boolean
  /** Reject unknown STATUS_ID, SOURCE_ID and multifield VALUE_TYPE (a stricter "factory" path may). */
  strictLeadValidation: boolean
  /** Enforce `mandatory` user fields on add (the portal's "required user field check" setting). */
  requiredUserFieldCheck: boolean
  /** End crm validation messages with "<br />", as the legacy core's LAST_ERROR does. */
  validationBr: boolean
  /** COMMENTS on add: 'strip' removes HTML tags and keeps their text; 'keep' stores it untouched. */
  commentsHtml: 'strip' | 'keep'
  /** BIRTHDATE in get/list: 'datetime' gives "YYYY-MM-DDT00:00:00+00:00", 'date' gives "YYYY-MM-DD". */
  birthdateOutput: 'datetime' | 'date'
}

export interface EmulatorOptions {
  /** 0 = a random free port (default 0). */
  port?: number
  host?: string
  userId?: number
  secret?: string
  /** Leaky bucket X: the counter may not pass this. */
  burst?: number
  /** Leaky bucket Y: units drained per second. */
  drainPerSecond?: number
  rateLimit?: boolean
  logger?: boolean
  /** Scopes the webhook was created with (default ['crm']). */
  scopes?: string[]
  userFields?: UserFieldSpec[]
  /** Override or extend crm.status.list dictionaries, keyed by ENTITY_ID (STATUS, SOURCE, ...). */
  statuses?: Record<string, StatusSpec[]>
  /** Base currency for CURRENCY_ID defaults (default 'USD'). */
  currency?: string
  faults?: FaultConfig
  quirks?: Partial<Quirks>
  /** crm.settings.mode.get: 1 classic (default), 2 simple mode (a new lead is converted into a deal at once). */
  crmMode?: 1 | 2
  /** The portal user the legacy importer (/crm/configs/import/lead.php) accepts. */
  legacy?: { login: string, password: string }
}

export interface EmulatorStats {
  /** Every HTTP request to /rest/*, including refused and faulted ones. */
  requests: number
  queryLimitExceeded: number
  /** Method invocations that got past auth and the bucket, nested batch commands included. */
  byMethod: Record<string, number>
  /** Keyed by fault token ('503', 'reset', ...) plus 'delay'. */
  faultsInjected: Record<string, number>
}

export interface Emulator {
  url: string
  webhookUrl: string
  /** The legacy importer's URL: <url>/crm/configs/import/lead.php */
  legacyUrl: string
  leads: () => StoredLead[]
  lead: (id: number) => StoredLead | undefined
  /** Contacts, companies and deals, timeline comments, product rows and stored files (copies). */
  contacts: () => StoredEntity[]
  companies: () => StoredEntity[]
  deals: () => StoredEntity[]
  comments: () => StoredComment[]
  productRows: (ownerType: 'L' | 'D', ownerId: number) => StoredProductRow[]
  files: () => StoredFile[]
  /** Sales Intelligence traces, either way they came (copies). */
  traces: () => StoredTrace[]
  setCrmMode: (mode: 1 | 2) => void
  stats: () => EmulatorStats
  setFaults: (f: FaultConfig) => void
  revokeWebhook: () => void
  restoreWebhook: () => void
  setScopes: (scopes: string[]) => void
  /**
   * Blocks a method until `untilMs` (unix ms) as the operating-time limit does: a direct call answers 429
   * OPERATION_TIME_LIMIT, a batch command fails with only error and description, no result_time, and
   * the reset time in the batch's outer time.operating_reset_at. `untilMs` 0 lifts the block.
   */
  blockMethod: (method: string, untilMs: number) => void
  reset: () => void
  close: () => Promise<void>
}
