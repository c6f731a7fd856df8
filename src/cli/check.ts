/** `b24-form-relay check`: validate the config, then ask every portal whether the mapping will land. */
import type { BitrixClient } from '../bitrix/client.ts'
import { clientForPortal } from '../bitrix/portal-client.ts'
import type { PortalConfig, RelayConfig } from '../config/schema.ts'
import { checkPortal } from './check-portal.ts'
import type { Finding } from './check-targets.ts'
import { cliConfig, EXIT, type CliIo } from './io.ts'

export interface CheckOptions {
  config?: string
  portal?: string
  json?: boolean
  /** Tests pass clients with short timeouts; default: one per portal from its webhook. */
  clientFor?: (portalId: string, portal: PortalConfig) => BitrixClient
}

const MARK = { ok: '[ok]   ', warn: '[warn] ', error: '[error]' } as const

export async function runCheck (io: CliIo, opts: CheckOptions): Promise<number> {
  let config: RelayConfig
  try {
    config = cliConfig(io, opts.config)
  } catch (err) {
    const e = err as { issues?: string[], message?: string }
    const findings: Finding[] = (e.issues?.length ?? 0) > 0
      ? (e.issues ?? []).map(issue => ({ level: 'error', key: 'config', message: issue }))
      : [{ level: 'error', key: 'config', message: e.message ?? String(err) }]
    report(io, findings, opts.json === true)
    return EXIT.problems
  }
  const portals = Object.entries(config.portals).filter(([id]) => opts.portal === undefined || id === opts.portal)
  if (portals.length === 0) {
    io.err(`No portal named "${opts.portal ?? ''}" (known: ${Object.keys(config.portals).join(', ')})`)
    return EXIT.usage
  }
  const counts = `${Object.keys(config.portals).length} portal(s), ${Object.keys(config.forms).length} form(s)`
  const findings: Finding[] = [{ level: 'ok', key: 'config', message: `the config is valid: ${counts}` }]
  for (const [i, [portalId, portal]] of portals.entries()) {
    if (portal.transport === 'legacy') {
      // The deprecated importer has no field or dictionary API to ask; only REST portals are checked.
      findings.push({
        portal: portalId,
        level: 'warn',
        key: `portals.${portalId}`,
        message: 'transport: legacy (deprecated import API) cannot be checked remotely; send a test lead with send-test'
      })
      continue
    }
    const client = opts.clientFor?.(portalId, portal) ??
      clientForPortal(portal, { timeoutMs: Math.min(portal.timeoutMs, 20_000) })
    const forms = Object.entries(config.forms).filter(([, f]) => f.portal === portalId)
    try {
      findings.push(...await checkPortal(portalId, portal, forms, client,
        step => io.err(`checking portal ${portalId} (${i + 1}/${portals.length}): ${step}`)))
    } finally {
      await client.close()
    }
  }
  report(io, findings, opts.json === true)
  return findings.some(f => f.level === 'error') ? EXIT.problems : EXIT.ok
}

function report (io: CliIo, findings: Finding[], json: boolean): void {
  if (json) {
    io.out(JSON.stringify({ ok: !findings.some(f => f.level === 'error'), findings }, null, 2))
    return
  }
  for (const f of findings) io.out(`${MARK[f.level]} ${f.key}: ${f.message}`)
  const errors = findings.filter(f => f.level === 'error').length
  const warnings = findings.filter(f => f.level === 'warn').length
  io.out(errors === 0 && warnings === 0 ? 'All checks passed.' : `${errors} error(s), ${warnings} warning(s).`)
}
