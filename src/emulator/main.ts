/**
 * CLI entry: start the emulator from EMULATOR_* variables and `--user-field UF_CRM_X[:type[:label]]`
 * flags, print the webhook URL, stop on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util'
import { optionsFromEnv } from './env-options.ts'
import { startEmulator } from './index.ts'

async function main (): Promise<void> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { 'user-field': { type: 'string', multiple: true } } })
  const options = optionsFromEnv(process.env, { userFields: values['user-field'] ?? [] })
  const emulator = await startEmulator(options)
  const declared = (options.userFields ?? []).map(f => `${f.name} (${f.type ?? 'string'})`).join(', ')
  process.stdout.write(`Bitrix24 emulator listening on ${emulator.url}\nWebhook URL: ${emulator.webhookUrl}\n` +
    `Inspect: ${emulator.url}/_emulator/leads  ${emulator.url}/_emulator/stats\n` +
    (declared !== '' ? `Custom lead fields: ${declared}\n` : ''))
  let closing = false
  const stop = (signal: string): void => {
    if (closing) return
    closing = true
    process.stdout.write(`${signal} received, closing the emulator\n`)
    emulator.close().then(() => process.exit(0), err => {
      process.stderr.write(`Close failed: ${String(err)}\n`)
      process.exit(1)
    })
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
}

main().catch(err => {
  process.stderr.write(`Emulator failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
