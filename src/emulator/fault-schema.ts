/** Validation of fault plans coming from code, the control route or the environment. */
import { z } from 'zod'
import type { FaultConfig } from './types.ts'

const probability = z.number().min(0).max(1)
const ms = z.number().min(0)

export const faultTokenSchema = z.enum(['ok', '503', '500', 'reset', 'lostReply', '429', '401', '404', '302'])

export const faultConfigSchema = z.object({
  seed: z.number().int().optional(),
  status503: probability.optional(),
  status500: probability.optional(),
  reset: probability.optional(),
  lostReply: probability.optional(),
  operationLimit: probability.optional(),
  notFound: probability.optional(),
  moved: probability.optional(),
  movedTo: z.url().optional(),
  delayMs: z.union([ms, z.object({ min: ms, max: ms }).strict()]).optional(),
  delayProbability: probability.optional(),
  delayPhase: z.enum(['beforeProcessing', 'afterProcessing']).optional(),
  operationResetSeconds: z.number().min(0).optional(),
  next: z.array(faultTokenSchema).optional()
}).strict().refine(
  f => f.movedTo !== undefined || ((f.moved ?? 0) === 0 && !(f.next ?? []).includes('302')),
  { message: 'moved and the 302 token need movedTo (the new portal origin)', path: ['movedTo'] }
)

/** Parse and check a fault plan; throws an Error naming every problem. */
export function parseFaultConfig (input: unknown): FaultConfig {
  const parsed = faultConfigSchema.safeParse(input)
  if (!parsed.success) {
    throw new Error('Invalid fault plan: ' + parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '))
  }
  return parsed.data
}
