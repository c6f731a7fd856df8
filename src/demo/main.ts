/**
 * `npm run demo`: the Bitrix24 emulator, the relay and a small demo shop on localhost, wired together,
 * so a newcomer sees the whole flow with one command and no Bitrix24 account — the visitor's side
 * (the shop, the leads) and the operator's (the status page, signed in by the printed link).
 */
import closeWithGrace from 'close-with-grace'
import { readEnvironment, type Environment } from '../config/environment.ts'
import { createLogger } from '../observability/logger.ts'
import { fatal, portInUse } from '../process/boot.ts'
import { startDemo } from './start-demo.ts'

let env: Environment
try {
  env = readEnvironment(process.env)
} catch (err) {
  fatal(createLogger({ level: 'info' }), err)
}
const logger = createLogger({ level: env.logLevel })

async function main (): Promise<void> {
  const ports = { relay: env.port ?? 3000, emulator: env.emulatorPort ?? 3001, shop: env.shopPort ?? 3002 }
  const host = env.host ?? '127.0.0.1'
  let demo
  try {
    demo = await startDemo({
      ports,
      host,
      outboxUrl: env.outboxUrl ?? 'sqlite:./data/demo.db',
      logger,
      ...(env.adminToken !== undefined ? { adminToken: env.adminToken } : {})
    })
  } catch (err) {
    // Name the variable of the port that is taken.
    const port = (err as { port?: unknown }).port
    const variable = port === ports.emulator ? 'EMULATOR_PORT' : port === ports.shop ? 'SHOP_PORT' : 'PORT'
    throw portInUse(err, typeof port === 'number' ? port : ports.relay, host, variable)
  }
  const running = demo
  closeWithGrace({ delay: 10_000, logger }, async () => { await running.close() })

  process.stdout.write([
    '',
    'b24-form-relay demo is running',
    '',
    'Open in a browser:',
    `  1. landing page with ad tags: ${demo.urls.landing}`,
    `  2. a product page with a form: ${demo.urls.product}   (click through from 1, then send the form)`,
    `  3. a Contact Form 7 form:      ${demo.urls.cf7}`,
    `  4. the leads Bitrix24 got:     ${demo.urls.leads}   (updates every second; buttons break and mend the portal)`,
    `  5. the operator's status page: ${demo.urls.status}`,
    `     (the link signs you in; admin token: ${demo.adminToken})`,
    '',
    `  relay:             ${demo.relayUrl}/f/default   (POST a form here; embed script: ${demo.relayUrl}/embed.js)`,
    `  emulated Bitrix24: ${demo.emulatorUrl}/_emulator/leads`,
    '',
    'Or from a terminal:',
    `  curl -H 'Accept: application/json' -d 'name=Иван&phone=+7 900 123-45-67&utm_source=yandex' ${demo.relayUrl}/f/default`,
    `  curl ${demo.emulatorUrl}/_emulator/leads`,
    '',
    'Stop with Ctrl+C.',
    ''
  ].join('\n'))
}

main().catch(err => fatal(logger, err))
