/**
 * Runs each form's path of a submission once before the relay listens, on made-up values, with
 * nothing stored or sent: the rate limit's allow list, mapping (phone and e-mail parsing,
 * dictionaries, the title), the extras, the double-submit key, the read-back of the stored payload
 * and the batch encoding.
 * V8 compiles a function on its first call and zod compiles a schema on its first parse, so
 * without this the first visitors after a start or a restart wait 20–50 ms each, behind one
 * another, and a campaign that starts with a restart starts with its slowest answers.
 */
import type { Logger } from 'pino'
import { buildBatchCommand } from '../bitrix/batch.ts'
import type { FormConfig, RelayConfig } from '../config/schema.ts'
import { readStored } from '../delivery/stored-payload.ts'
import { prepareForStore } from '../intake/accept-submission.ts'
import type { SubmittedValues } from '../intake/submitted-values.ts'
import type { ClaimedSubmission } from '../outbox/types.ts'
import { compileAllowList } from '../security/rate-limit.ts'

/** Forms beyond this many are left cold: their code paths are the same, only their maps differ. */
const MAX_FORMS = 20
/** Two rounds: the first compiles, the second runs the compiled code with its inline caches set. */
const ROUNDS = 2

/** A value of the kind each Bitrix24 field expects, so the checks take their usual (passing) path. */
function sampleFor (target: string): string {
  if (target.startsWith('PHONE')) return '+7 900 123-45-67'
  if (target.startsWith('EMAIL')) return 'warm.up@example.com'
  if (target === 'BIRTHDATE') return '1990-01-31'
  if (target === 'OPPORTUNITY') return '1000'
  return 'Warm-up'
}

function sampleValues (form: FormConfig): SubmittedValues {
  const values: SubmittedValues = { utm_source: 'warm-up', utm_medium: 'cpc' }
  // Required fields outside the map too: a browser form refuses a post that lacks one.
  for (const name of form.required) values[name] = 'Warm-up'
  for (const [field, target] of Object.entries(form.fields)) values[field] = sampleFor(target)
  return values
}

function warmForm (config: RelayConfig, formId: string, form: FormConfig, now: () => number): void {
  const { mapped, extras } = prepareForStore({ config, now }, {
    formId,
    form,
    values: sampleValues(form),
    referer: 'https://example.com/page?utm_campaign=warm-up',
    sender: 'warm-up'
  })
  // As the store keeps it and the worker reads it back.
  const payload = JSON.parse(JSON.stringify({ fields: mapped.fields, ...(extras !== undefined ? { extras } : {}) })) as unknown
  const stored = readStored({ id: 'warm-up', formId, payload } as unknown as ClaimedSubmission)
  if ('fields' in stored) buildBatchCommand('crm.lead.add', { fields: stored.fields, params: { REGISTER_SONET_EVENT: 'Y' } })
}

export function warmUp (config: RelayConfig, logger: Logger, now = Date.now): void {
  const started = performance.now()
  // The rate limit compiles its allow list on the first post; Node compiles its IPv6 pattern on the first check (about 5 ms).
  compileAllowList([...config.rateLimit.allowList, '127.0.0.1', '::1'])
  const forms = Object.entries(config.forms).slice(0, MAX_FORMS)
  for (let round = 0; round < ROUNDS; round++) {
    for (const [formId, form] of forms) {
      try {
        warmForm(config, formId, form, now)
      } catch (err) {
        // A warm-up is an optimisation: a form it cannot run is simply left cold (the real path reports its own errors).
        logger.debug({ err, formId }, 'warm-up skipped a form')
      }
    }
  }
  logger.debug({ forms: forms.length, ms: Math.round(performance.now() - started) }, 'warm-up done')
}
