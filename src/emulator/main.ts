/** CLI entry: start the emulator from EMULATOR_* variables, print the webhook URL, stop on SIGINT/SIGTERM. */
import { optionsFromEnv } from './env-options.ts'
import { startEmulator } from './index.ts'

async function main (): Promise<void> {
  const emulator = await startEmulator(optionsFromEnv(process.env))
  process.stdout.write(`Bitrix24 emulator listening on ${emulator.url}\nWebhook URL: ${emulator.webhookUrl}\n` +
    `Inspect: ${emulator.url}/_emulator/leads  ${emulator.url}/_emulator/stats\n`)
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
