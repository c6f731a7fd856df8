/**
 * `npm run demo`: the Bitrix24 emulator and the relay on localhost, wired together, so a newcomer
 * sees the whole flow with one command and no Bitrix24 account.
 */
import closeWithGrace from 'close-with-grace'
import { buildApp } from '../app.ts'
import { buildConfig } from '../config/load.ts'
import { DeliveryWorker } from '../delivery/worker.ts'
import { startEmulator } from '../emulator/index.ts'
import { createLogger } from '../observability/logger.ts'
import { openOutbox } from '../outbox/open.ts'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' })

async function main (): Promise<void> {
  const port = Number(process.env.PORT ?? 3000)
  const host = process.env.HOST ?? '127.0.0.1'
  const emulator = await startEmulator({ port: Number(process.env.EMULATOR_PORT ?? 3001), host: '127.0.0.1' })
  const config = buildConfig({ outbox: { url: process.env.OUTBOX_URL ?? 'sqlite:./data/demo.db' } }, { B24_WEBHOOK_URL: emulator.webhookUrl }, 'demo')
  const outbox = await openOutbox(config.outbox.url, config.outbox.durability, logger)
  const worker = new DeliveryWorker({ outbox, config: () => config, logger })
  const app = await buildApp({ config: () => config, outbox, logger, onAccepted: id => worker.wake(id) })

  closeWithGrace({ delay: 10_000, logger }, async () => {
    await app.close()
    await worker.stop()
    await outbox.close()
    await emulator.close()
  })

  await app.listen({ port, host })
  worker.start()
  const base = `http://localhost:${port}`
  process.stdout.write([
    '',
    'b24-form-relay demo is running',
    `  relay:             ${base}/f/default   (POST a form here)`,
    `  emulated Bitrix24: ${emulator.url}/_emulator/leads   (the leads it received)`,
    '',
    'Try:',
    `  curl -d 'name=Иван&phone=+7 900 123-45-67&utm_source=yandex' ${base}/f/default`,
    `  curl ${emulator.url}/_emulator/leads`,
    '',
    'Stop with Ctrl+C.',
    ''
  ].join('\n'))
}

main().catch(err => {
  logger.fatal({ code: err?.code }, err instanceof Error ? err.message : String(err))
  process.exit(1)
})
