/** `b24-form-relay fields`: a portal's lead fields, custom ones included, to help write the mapping. */
import type { BitrixClient } from '../bitrix/client.ts'
import { own } from '../config/own.ts'
import { clientForPortal } from '../bitrix/portal-client.ts'
import type { LeadFieldInfo } from '../bitrix/schemas.ts'
import type { PortalConfig } from '../config/schema.ts'
import { cliConfig, EXIT, type CliIo } from './io.ts'

export interface FieldsOptions {
  config?: string
  portal?: string
  json?: boolean
  /** Only UF_CRM_* fields. */
  custom?: boolean
  clientFor?: (portalId: string, portal: PortalConfig) => BitrixClient
}

export async function runFields (io: CliIo, opts: FieldsOptions): Promise<number> {
  const config = cliConfig(io, opts.config)
  const ids = Object.keys(config.portals)
  if (opts.portal === undefined && ids.length > 1) {
    io.err(`Several portals are configured (${ids.join(', ')}): choose one with --portal <id>`)
    return EXIT.usage
  }
  const portalId = opts.portal ?? Object.keys(config.portals)[0]
  const portal = portalId === undefined ? undefined : own(config.portals, portalId)
  if (portalId === undefined || portal === undefined) {
    io.err(`No portal named "${opts.portal ?? ''}" (known: ${Object.keys(config.portals).join(', ') || 'none'})`)
    return EXIT.usage
  }
  const client = opts.clientFor?.(portalId, portal) ?? clientForPortal(portal, { timeoutMs: Math.min(portal.timeoutMs, 20_000) })
  try {
    io.err(`asking portal ${portalId} for crm.lead.fields…`)
    const all = await client.leadFields()
    const fields = Object.entries(all).filter(([name]) => opts.custom !== true || name.startsWith('UF_CRM_'))
    if (opts.json === true) {
      io.out(JSON.stringify(Object.fromEntries(fields), null, 2))
      return EXIT.ok
    }
    const rows = fields.map(([name, f]) => [name, f.type, flags(f), label(f)])
    const widths = [0, 1, 2].map(i => Math.max(...rows.map(r => (r[i] ?? '').length), ['FIELD', 'TYPE', 'FLAGS'][i]?.length ?? 0))
    const line = (r: string[]): string => r.map((c, i) => i < 3 ? c.padEnd(widths[i] ?? 0) : c).join('  ').trimEnd()
    io.out(line(['FIELD', 'TYPE', 'FLAGS', 'TITLE']))
    for (const r of rows) io.out(line(r as string[]))
    io.err(`${fields.length} fields (${fields.filter(([n]) => n.startsWith('UF_CRM_')).length} custom)`)
    return EXIT.ok
  } finally {
    await client.close()
  }
}

function flags (f: LeadFieldInfo): string {
  const out: string[] = []
  if (f.isRequired === true) out.push('required')
  if (f.isReadOnly === true) out.push('read-only')
  if (f.isMultiple === true) out.push('multiple')
  return out.join(',') || '-'
}

function label (f: LeadFieldInfo): string {
  const title = f.listLabel ?? f.formLabel ?? f.title ?? ''
  const items = f.items !== undefined && f.items.length > 0 ? ` [${f.items.map(i => `${i.ID}=${i.VALUE}`).join(', ')}]` : ''
  const status = f.statusType !== undefined ? ` (crm.status.list ${f.statusType})` : ''
  return `${title}${status}${items}`
}
