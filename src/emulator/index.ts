/** The Bitrix24 portal emulator: start it on a port and drive it from tests, the demo and benchmarks. */
import type { AddressInfo } from 'node:net'
import { parseFaultConfig } from './fault-schema.ts'
import { LEGACY_PATH } from './methods/legacy-import.ts'
import { buildEmulatorApp } from './server.ts'
import { PortalState } from './state.ts'
import type { Emulator, EmulatorOptions } from './types.ts'

export type {
  DelayRange, Emulator, EmulatorOptions, EmulatorStats, FaultConfig, FaultToken, Quirks, StatusSpec,
  StoredComment, StoredEntity, StoredFile, StoredLead, StoredLeadFields, StoredMultiValue, StoredProductRow, StoredTrace,
  TraceEntity,
  UserFieldListItem, UserFieldSpec
} from './types.ts'
export { defaultQuirks } from './quirks.ts'
export { parseFaultConfig } from './fault-schema.ts'

export async function startEmulator (opts: EmulatorOptions = {}): Promise<Emulator> {
  const state = new PortalState({ ...opts, faults: parseFaultConfig(opts.faults ?? {}) })
  const app = await buildEmulatorApp(state, opts.logger ?? false)
  const host = opts.host ?? '127.0.0.1'
  await app.listen({ port: opts.port ?? 0, host })
  const { port } = app.server.address() as AddressInfo
  const urlHost = host.includes(':') ? `[${host}]` : host
  const url = `http://${urlHost}:${port}`

  return {
    url,
    webhookUrl: `${url}/rest/${state.settings.userId}/${state.settings.secret}/`,
    legacyUrl: url + LEGACY_PATH,
    // Copies, so a caller cannot change what the portal holds.
    leads: () => structuredClone(state.leads()),
    lead: id => {
      const lead = state.lead(id)
      return lead === undefined ? undefined : structuredClone(lead)
    },
    contacts: () => structuredClone(state.crm.list('contact')),
    companies: () => structuredClone(state.crm.list('company')),
    deals: () => structuredClone(state.crm.list('deal')),
    comments: () => structuredClone([...state.crm.comments.values()]),
    productRows: (ownerType, ownerId) => structuredClone(state.crm.productRows.get(`${ownerType}:${ownerId}`) ?? []),
    files: () => structuredClone([...state.crm.files.values()]),
    traces: () => structuredClone([...state.crm.traces.values()]),
    setCrmMode: mode => { state.crmMode = mode },
    stats: () => state.stats(),
    setFaults: f => state.faults.set(parseFaultConfig(f)),
    revokeWebhook: () => { state.revoked = true },
    restoreWebhook: () => { state.revoked = false },
    setScopes: scopes => { state.scopes = new Set(scopes) },
    blockMethod: (method, untilMs) => {
      if (untilMs > 0) state.blocked.set(method.toLowerCase(), untilMs)
      else state.blocked.delete(method.toLowerCase())
    },
    reset: () => state.reset(),
    close: async () => { await app.close() }
  }
}
