/** The CLI's command table and argument parsing; src/cli.ts only connects it to the process. */
import { parseArgs } from 'node:util'
import { runCheck } from './check.ts'
import { runFields } from './fields.ts'
import { EXIT, type CliIo } from './io.ts'
import { runReplay } from './replay.ts'
import { runSendTest } from './send-test.ts'
import { runStats } from './stats.ts'
import { relayVersion } from './version.ts'

export const USAGE = `Usage: b24-form-relay <command> [options]

Commands:
  check                 validate the config, then ask each portal whether the webhook works, has the
                        crm scope, and whether every mapped field and constant exists there
  fields                list a portal's lead fields, custom (UF_CRM_*) ones included
  send-test <form>      map a sample submission and add it to the portal as a lead now
  replay [id...]        put dead letters back in the queue (all, --portal's, or the ids given)
  stats                 queue depth, dead letters, oldest waiting submission, last 24 hours

Options:
  --config <file>       config file (default: RELAY_CONFIG or ./relay.config.yaml)
  --portal <id>         only this portal (check, fields, replay)
  --json                machine-readable output
  --custom              fields: only UF_CRM_* fields
  --set <field=value>   send-test: replace a sample value (repeatable)
  --dry-run             send-test: print the crm.lead.add call, send nothing
  -h, --help            this text
  -v, --version         the relay's version

Exit status: 0 all good, 1 problems found or the command failed, 2 wrong usage.`

export async function runCli (argv: string[], io: CliIo): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        portal: { type: 'string' },
        json: { type: 'boolean' },
        custom: { type: 'boolean' },
        set: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' }
      }
    })
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${USAGE}`)
    return EXIT.usage
  }
  const { values: o, positionals } = parsed
  const [command, ...rest] = positionals
  if (o.version === true) { io.out(relayVersion()); return EXIT.ok }
  if (o.help === true || command === 'help') { io.out(USAGE); return EXIT.ok }
  if (command === undefined) { io.err(USAGE); return EXIT.usage }
  const common = { ...(o.config !== undefined ? { config: o.config } : {}), ...(o.json === true ? { json: true } : {}) }
  const portal = o.portal !== undefined ? { portal: o.portal } : {}
  try {
    switch (command) {
      case 'check': return await runCheck(io, { ...common, ...portal })
      case 'fields': return await runFields(io, { ...common, ...portal, ...(o.custom === true ? { custom: true } : {}) })
      case 'send-test': {
        const formId = rest[0]
        if (formId === undefined) { io.err(`send-test needs a form id\n\n${USAGE}`); return EXIT.usage }
        return await runSendTest(io, { ...common, formId, set: o.set ?? [], ...(o['dry-run'] === true ? { dryRun: true } : {}) })
      }
      case 'replay': return await runReplay(io, { ...common, ...portal, ids: rest })
      case 'stats': return await runStats(io, common)
      default:
        io.err(`Unknown command "${command}"\n\n${USAGE}`)
        return EXIT.usage
    }
  } catch (err) {
    const e = err as { code?: string, message?: string }
    io.err(`${e.code !== undefined ? `${e.code}: ` : ''}${e.message ?? String(err)}`)
    return EXIT.problems
  }
}
