/**
 * Asks one portal whether the config will work there: the webhook answers, it has the crm scope,
 * every mapped field exists with a usable type, every constant is in the portal's dictionaries.
 * These are the mistakes Bitrix24 accepts without a word and then stores an empty field.
 */
import type { BitrixClient } from '../bitrix/client.ts'
import { crmMode, describeCrmMode } from '../bitrix/crm-mode.ts'
import { BitrixError } from '../bitrix/errors.ts'
import type { LeadFieldInfo } from '../bitrix/schemas.ts'
import type { FormConfig, PortalConfig } from '../config/schema.ts'
import { mergeDictionaries, type DictionaryName } from '../mapping/index.ts'
import { customFieldFit, suggest, writtenFields, type Finding, type WrittenField } from './check-targets.ts'

/** crm.status.list entity of each dictionary-typed standard field when the portal does not say. */
const STATUS_ENTITY: Record<string, string> = { SOURCE_ID: 'SOURCE', STATUS_ID: 'STATUS', HONORIFIC: 'HONORIFIC' }

export async function checkPortal (portalId: string, portal: PortalConfig, forms: Array<[string, FormConfig]>,
  client: BitrixClient, onStep: (what: string) => void = () => {}): Promise<Finding[]> {
  const at = `portals.${portalId}`
  const findings: Finding[] = []
  const add = (f: Finding): void => { findings.push({ portal: portalId, ...f }) }

  onStep('crm.lead.fields')
  let fields: Record<string, LeadFieldInfo>
  try {
    fields = await client.leadFields()
  } catch (err) {
    add(accessFinding(at, err))
    return findings
  }
  add({ level: 'ok', key: `${at}.webhook`, message: `the webhook works (${client.describe()})` })
  add({ level: 'ok', key: `${at}.webhook`, message: 'the webhook has the crm scope' })
  onStep('crm.settings.mode.get')
  add(await modeFinding(at, portal, forms, client))

  const written = forms.flatMap(([formId, form]) => writtenFields(formId, form))
  const known = Object.keys(fields)
  let fine = 0
  let broken = 0
  for (const w of written) {
    const info = fields[w.field]
    if (info === undefined) {
      const near = suggest(w.field, known)
      const hint = near.length > 0 ? ` (did you mean ${near.join(' or ')}?)` : ''
      add({ level: 'error', key: w.key, message: `${w.field} does not exist on the portal${hint}; Bitrix24 would drop it silently` })
      broken++
      continue
    }
    if (info.isReadOnly === true) {
      add({ level: 'error', key: w.key, message: `${w.field} is read-only on the portal; the value would be dropped` })
      broken++
      continue
    }
    if (w.target.kind === 'custom') {
      const fit = customFieldFit(w, info)
      if (fit !== undefined) {
        add({ key: w.key, ...fit })
        if (fit.level === 'error') broken++
        continue
      }
    }
    fine++
  }
  // The "ok" summary only when nothing mapped is lost: "[ok] 5 of 6" next to an error reads as a pass.
  if (broken === 0 && fine > 0) {
    add({ level: 'ok', key: `${at}`, message: `${fine} of ${written.length} mapped fields exist with a usable type` })
  }

  findings.push(...(await checkDictionaries(portalId, portal, written, fields, client, onStep)))
  return findings
}

/** Constants against the live dictionaries; dictionaries the relay accepts from visitors against the portal's. */
async function checkDictionaries (portalId: string, portal: PortalConfig, written: WrittenField[],
  fields: Record<string, LeadFieldInfo>, client: BitrixClient, onStep: (what: string) => void): Promise<Finding[]> {
  const findings: Finding[] = []
  const lists = new Map<string, Set<string> | undefined>()
  const listOf = async (entity: string): Promise<Set<string> | undefined> => {
    if (!lists.has(entity)) {
      onStep(`crm.status.list ${entity}`)
      try {
        lists.set(entity, new Set((await client.statusList(entity)).map(s => String(s.STATUS_ID))))
      } catch (err) {
        findings.push({
          portal: portalId,
          level: 'warn',
          key: `portals.${portalId}`,
          message: `could not read the ${entity} list: ${(err as Error).message}`
        })
        lists.set(entity, undefined)
      }
    }
    return lists.get(entity)
  }
  const relayLists = mergeDictionaries(portal.dictionaries)
  const visitorChecked = new Set<string>()
  for (const w of written) {
    const info = fields[w.field]
    if (w.target.kind !== 'scalar' || info === undefined || info.type !== 'crm_status') continue
    const entity = info.statusType ?? STATUS_ENTITY[w.field]
    if (entity === undefined) continue
    const live = await listOf(entity)
    if (live === undefined) continue
    if (w.constant !== undefined) {
      const value = String(w.constant)
      findings.push(live.has(value)
        ? { portal: portalId, level: 'ok', key: w.key, message: `'${value}' is in the portal's ${entity} list` }
        : {
            portal: portalId,
            level: 'error',
            key: w.key,
            message: `'${value}' is not in the portal's ${entity} list (${[...live].join(', ')})`
          })
      continue
    }
    // A visitor's value is matched against the relay's dictionary first: every value it accepts must exist on the portal.
    const name = w.field as DictionaryName
    if (visitorChecked.has(name) || relayLists[name] === undefined) continue
    visitorChecked.add(name)
    const missing = relayLists[name].filter(v => !live.has(v))
    if (missing.length > 0) {
      findings.push({
        portal: portalId,
        level: 'warn',
        key: `portals.${portalId}.dictionaries.${name}`,
        message: `the relay accepts ${missing.join(', ')} from visitors, but the portal has no such ${entity}; ` +
          `set this dictionary to the portal's values (${[...live].join(', ')})`
      })
    }
  }
  return findings
}

/**
 * A simple-mode portal has no leads: each lead the relay adds becomes a deal (and contact) at once.
 * Nothing fails, so only `check` can say it, and what to configure for it.
 */
async function modeFinding (at: string, portal: PortalConfig, forms: Array<[string, FormConfig]>, client: BitrixClient): Promise<Finding> {
  let mode: Awaited<ReturnType<typeof crmMode>>
  try {
    mode = await crmMode(client)
  } catch (err) {
    return {
      level: 'warn', key: `${at}.crmMode`, message: `could not read the CRM mode (crm.settings.mode.get): ${(err as Error).message}`
    }
  }
  const key = `${at}.crmMode`
  if (mode === 1) {
    const classic = `the portal runs the CRM in ${describeCrmMode(mode)}`
    return portal.crmMode === 'simple'
      ? { level: 'warn', key, message: `${classic}, but crmMode: simple is set; set crmMode: auto` }
      : { level: 'ok', key, message: classic }
  }
  const leadForms = forms.filter(([, form]) => form.entity !== 'deal').map(([id]) => id)
  if (portal.crmMode === 'simple' && leadForms.length === 0) {
    return { level: 'ok', key, message: 'the portal runs the CRM in simple mode (no leads); crmMode: simple and entity: deal are set' }
  }
  const what = [
    portal.crmMode !== 'simple' ? `crmMode: simple on portals.${at.slice('portals.'.length)}` : '',
    leadForms.length > 0 ? `entity: deal on ${leadForms.map(id => `forms.${id}`).join(', ')}` : ''
  ].filter(Boolean).join(' and ')
  const simple = 'the portal runs the CRM in simple mode: there are no leads, each new lead becomes a deal at once'
  return { level: 'warn', key, message: `${simple}; set ${what}` }
}

function accessFinding (at: string, err: unknown): Finding {
  const key = `${at}.webhook`
  if (!(err instanceof BitrixError)) return { level: 'error', key, message: `the portal could not be asked: ${(err as Error).message}` }
  if (err.kind === 'auth' && err.b24Error === 'insufficient_scope') {
    return {
      level: 'error',
      key,
      message: 'the webhook works but lacks the crm scope: edit the incoming webhook in Bitrix24 and tick "CRM (crm)"'
    }
  }
  if (err.kind === 'auth') {
    const refusal = err.b24Error ?? err.status ?? 'auth'
    return {
      level: 'error',
      key,
      message: `the portal refused the webhook (${refusal}): it was deleted, its code changed or its user lost access`
    }
  }
  if (err.kind === 'method_not_found') {
    return { level: 'error', key, message: 'the address answers but is not a Bitrix24 REST webhook (method not found)' }
  }
  return { level: 'error', key, message: `the portal did not answer (${err.code}): ${err.message}` }
}
