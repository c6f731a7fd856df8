/**
 * `b24-form-relay send-test <form>`: maps a sample submission with the form's own mapping and adds
 * it to the portal at once (not through the queue), so a new mapping can be seen in the CRM.
 */
import type { BitrixClient } from '../bitrix/client.ts'
import { own } from '../config/own.ts'
import { leadSenderForPortal, type LeadSender } from '../bitrix/portal-client.ts'
import type { FormConfig, PortalConfig, RelayConfig } from '../config/schema.ts'
import { mapSubmission, mergeDictionaries, resolveTarget, type LeadTarget } from '../mapping/index.ts'
import { newSubmissionId } from '../outbox/ids.ts'
import { cliConfig, EXIT, type CliIo } from './io.ts'

export interface SendTestOptions {
  config?: string
  formId: string
  /** field=value pairs that replace or add sample values. */
  set: string[]
  /** Map and print, but do not send. */
  dryRun?: boolean
  json?: boolean
  clientFor?: (portalId: string, portal: PortalConfig) => BitrixClient
}

/** A plausible value for a target, so every mapped field shows up in the test lead. */
function sampleFor (target: LeadTarget | undefined, formField: string, config: RelayConfig, form: FormConfig): string {
  if (target === undefined) return `test ${formField}`
  if (target.kind === 'multi') {
    return { PHONE: '+7 999 123-45-67', EMAIL: 'relay-test@example.com', WEB: 'https://example.com/relay-test', IM: 'relay_test' }[target.field]
  }
  if (target.kind === 'custom') return `test ${formField}`
  switch (target.type) {
    case 'date': return '01.02.1990'
    case 'amount': return '1500'
    case 'id': return '1'
    case 'dictionary': {
      const dictionaries = mergeDictionaries(own(config.portals, form.portal)?.dictionaries ?? {})
      return dictionaries[target.field as 'SOURCE_ID']?.[0] ?? 'OTHER'
    }
    default: return `Test ${formField}`
  }
}

export async function runSendTest (io: CliIo, opts: SendTestOptions): Promise<number> {
  const config = cliConfig(io, opts.config)
  const form = own(config.forms, opts.formId)
  if (form === undefined) {
    io.err(`No form named "${opts.formId}" (known: ${Object.keys(config.forms).join(', ')})`)
    return EXIT.usage
  }
  const portal = own(config.portals, form.portal)
  if (portal === undefined) return EXIT.usage
  const values: Record<string, string> = {}
  for (const [formField, target] of Object.entries(form.fields)) {
    values[formField] = sampleFor(resolveTarget(target), formField, config, form)
  }
  for (const name of form.required) values[name] ??= `test ${name}`
  for (const pair of opts.set) {
    const eq = pair.indexOf('=')
    if (eq <= 0) { io.err(`--set wants field=value, got "${pair}"`); return EXIT.usage }
    values[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  const now = (io.now ?? Date.now)()
  const mapped = mapSubmission({
    formId: opts.formId, form, dictionaries: mergeDictionaries(portal.dictionaries), values, now: new Date(now)
  })
  if (Object.keys(mapped.errors).length > 0) {
    for (const [field, problem] of Object.entries(mapped.errors)) io.err(`${field}: ${problem}`)
    return EXIT.problems
  }
  const originId = `test-${newSubmissionId(now)}`
  const fields = {
    ...mapped.fields,
    TITLE: `[test] ${String(mapped.fields.TITLE ?? opts.formId)}`,
    ORIGINATOR_ID: config.delivery.originatorId,
    ORIGIN_ID: originId
  }
  if (opts.dryRun === true) {
    io.out(JSON.stringify({ method: 'crm.lead.add', fields }, null, 2))
    return EXIT.ok
  }
  const client: LeadSender = opts.clientFor?.(form.portal, portal) ??
    leadSenderForPortal(portal, { timeoutMs: Math.min(portal.timeoutMs, 20_000) })
  try {
    io.err(`sending a test lead for form ${opts.formId} to portal ${form.portal} (${client.describe()})…`)
    const leadId = await client.addLead(fields, { registerSonetEvent: false })
    io.out(opts.json === true
      ? JSON.stringify({ ok: true, leadId, originId, fields }, null, 2)
      : `lead ${leadId} created (ORIGIN_ID ${originId})`)
    return EXIT.ok
  } catch (err) {
    io.err(`the portal refused the test lead: ${(err as Error).message}`)
    return EXIT.problems
  } finally {
    await client.close()
  }
}
