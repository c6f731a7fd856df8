/**
 * `npm run demo`: the Bitrix24 emulator, the relay and a small demo shop on localhost, wired together,
 * so a newcomer sees the whole flow with one command and no Bitrix24 account.
 */
import closeWithGrace from 'close-with-grace'
import { createLogger } from '../observability/logger.ts'
import { startDemo } from './start-demo.ts'

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info' })

async function main (): Promise<void> {
  const demo = await startDemo({
    ports: {
      relay: Number(process.env.PORT ?? 3000),
      emulator: Number(process.env.EMULATOR_PORT ?? 3001),
      shop: Number(process.env.SHOP_PORT ?? 3002)
    },
    host: process.env.HOST ?? '127.0.0.1',
    outboxUrl: process.env.OUTBOX_URL ?? 'sqlite:./data/demo.db',
    logger
  })
  closeWithGrace({ delay: 10_000, logger }, async () => { await demo.close() })

  process.stdout.write([
    '',
    'b24-form-relay demo is running',
    '',
    'Open in a browser:',
    `  1. landing page with ad tags: ${demo.urls.landing}`,
    `  2. a product page with a form: ${demo.urls.product}   (click through from 1, then send the form)`,
    `  3. a Contact Form 7 form:      ${demo.urls.cf7}`,
    `  4. the leads Bitrix24 got:     ${demo.urls.leads}   (updates every second)`,
    '',
    `  relay:             ${demo.relayUrl}/f/default   (POST a form here; embed script: ${demo.relayUrl}/embed.js)`,
    `  emulated Bitrix24: ${demo.emulatorUrl}/_emulator/leads`,
    '',
    'Or from a terminal:',
    `  curl -d 'name=Иван&phone=+7 900 123-45-67&utm_source=yandex' ${demo.relayUrl}/f/default`,
    `  curl ${demo.emulatorUrl}/_emulator/leads`,
    '',
    'Stop with Ctrl+C.',
    ''
  ].join('\n'))
}

main().catch(err => {
  logger.fatal({ code: err?.code }, err instanceof Error ? err.message : String(err))
  process.exit(1)
})
