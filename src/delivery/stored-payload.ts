/**
 * What the outbox keeps for a submission, `{ fields, extras? }`, read back once right after a claim.
 * A payload this version cannot read is a dead letter with RELAY_ERR_BAD_PAYLOAD, never a guess:
 * nothing past this point looks at `payload` again.
 */
import { z } from 'zod'
import { leadExtrasSchema, type LeadExtras } from '../domain/lead-extras.ts'
import type { LeadFields } from '../domain/lead-fields.ts'
import type { ClaimedSubmission } from '../outbox/types.ts'

const multiFieldSchema = z.object({ VALUE: z.string(), VALUE_TYPE: z.string() }).loose()

const leadFieldsSchema: z.ZodType<LeadFields> = z.record(z.string(),
  z.union([z.string(), z.number(), z.array(multiFieldSchema), z.array(z.string())]))

export const storedPayloadSchema = z.object({
  fields: leadFieldsSchema,
  extras: leadExtrasSchema.nullish()
}).loose()

/** A claimed submission with its payload read. */
export interface Stored {
  c: ClaimedSubmission
  fields: LeadFields
  /** The stored extras; `{}` when there were none. */
  extras: LeadExtras
  /** Whether extras were stored at all (a submission without them is a plain crm.lead.add). */
  hasExtras: boolean
}

export function readStored (c: ClaimedSubmission): Stored | { error: string } {
  const parsed = storedPayloadSchema.safeParse(c.payload)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return { error: `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}` }
  }
  const extras = parsed.data.extras
  return { c, fields: parsed.data.fields, extras: extras ?? {}, hasExtras: extras !== undefined && extras !== null }
}
