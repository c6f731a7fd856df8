/** zod shapes of Bitrix24 REST v2 replies, written to tolerate PHP's serialisation quirks. */
import { z } from 'zod'

/** A number that PHP may have sent as a numeric string ("50", "0.25"). */
export const looseNumber = z.union([
  z.number(),
  z.string().trim().regex(/^-?\d+(\.\d+)?$/).transform(Number)
])

/** A positive integer id sent as 123 or "123". */
export const idSchema = z.union([
  z.number().int().positive(),
  z.string().trim().regex(/^[1-9]\d*$/).transform(Number)
]).refine((n) => Number.isSafeInteger(n), 'id is not a safe integer')

/** PHP writes an empty map as `[]`; a list with numeric keys can also arrive as a JSON array. */
export function phpMap<T extends z.ZodType> (value: T) {
  return z.preprocess((raw) => {
    if (raw === null || raw === undefined) return {}
    if (Array.isArray(raw)) return Object.fromEntries(raw.map((item, index) => [String(index), item]))
    return raw
  }, z.record(z.string(), value))
}

// Every key is optional: portals differ in which counters they send (operating* are often absent).
export const timeSchema = z.object({
  start: looseNumber.optional(),
  finish: looseNumber.optional(),
  duration: looseNumber.optional(),
  processing: looseNumber.optional(),
  date_start: z.string().optional(),
  date_finish: z.string().optional(),
  operating_reset_at: looseNumber.optional(),
  operating: looseNumber.optional()
}).loose()

export type BitrixTime = z.infer<typeof timeSchema>

/**
 * The success envelope. Metadata that fails to parse is dropped rather than failing the call:
 * the request has already been executed and only `result` matters to the caller.
 */
export const successEnvelopeSchema = z.object({
  result: z.unknown().refine((value) => value !== undefined, 'result is missing'),
  total: looseNumber.optional().catch(undefined),
  next: looseNumber.optional().catch(undefined),
  time: timeSchema.optional().catch(undefined)
}).loose()

/** `{error, error_description}`; v3 sends `error` as `{code, message}`, some errors are numeric codes. */
export const errorEnvelopeSchema = z.object({
  error: z.union([
    z.string(),
    z.number().transform(String),
    z.object({ code: z.union([z.string(), z.number().transform(String)]), message: z.string().optional() }).loose()
  ]),
  error_description: z.string().nullish(),
  time: timeSchema.optional().catch(undefined)
}).loose()

export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>

/** One entry of batch result_error: `{error, error_description}` or, on some portals, a bare string. */
export const batchErrorEntrySchema = z.union([
  z.string().transform((error) => ({ error, description: '' })),
  z.object({
    error: z.union([z.string(), z.number().transform(String)]).nullish(),
    error_description: z.string().nullish()
  }).loose().transform((e) => ({ error: e.error ?? '', description: e.error_description ?? '' }))
])

export const batchResultSchema = z.object({
  result: phpMap(z.unknown()),
  result_error: phpMap(batchErrorEntrySchema),
  result_total: phpMap(looseNumber).catch({}),
  result_next: phpMap(looseNumber).catch({}),
  result_time: phpMap(timeSchema).catch({})
}).loose()

const yesNoBoolean = z.union([z.boolean(), z.enum(['Y', 'N']).transform((v) => v === 'Y')])

export const leadFieldInfoSchema = z.object({
  type: z.string(),
  isRequired: yesNoBoolean.optional().catch(undefined),
  isReadOnly: yesNoBoolean.optional().catch(undefined),
  isImmutable: yesNoBoolean.optional().catch(undefined),
  isMultiple: yesNoBoolean.optional().catch(undefined),
  isDynamic: yesNoBoolean.optional().catch(undefined),
  title: z.string().nullish().transform((v) => v ?? undefined),
  statusType: z.string().optional().catch(undefined),
  items: z.array(z.object({
    ID: z.union([z.string(), z.number().transform(String)]),
    VALUE: z.string()
  }).loose()).optional().catch(undefined),
  listLabel: z.string().nullish().catch(undefined),
  formLabel: z.string().nullish().catch(undefined),
  filterLabel: z.string().nullish().catch(undefined),
  settings: z.unknown().optional()
}).loose()

export type LeadFieldInfo = z.infer<typeof leadFieldInfoSchema>

export const leadFieldsSchema = phpMap(leadFieldInfoSchema)

export const statusItemSchema = z.object({
  ID: z.union([z.string(), z.number().transform(String)]).optional(),
  ENTITY_ID: z.string(),
  STATUS_ID: z.union([z.string(), z.number().transform(String)]),
  NAME: z.string(),
  NAME_INIT: z.string().nullish(),
  SORT: looseNumber.optional().catch(undefined),
  SYSTEM: z.string().optional(),
  CATEGORY_ID: z.union([z.string(), z.number().transform(String)]).nullish(),
  COLOR: z.string().nullish(),
  SEMANTICS: z.string().nullish()
}).loose()

export type StatusItem = z.infer<typeof statusItemSchema>

export const leadOriginItemSchema = z.object({
  ID: idSchema,
  ORIGIN_ID: z.union([z.string(), z.number().transform(String)]).nullish(),
  ORIGINATOR_ID: z.union([z.string(), z.number().transform(String)]).nullish()
}).loose()
