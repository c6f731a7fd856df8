/**
 * startDemo(): the Bitrix24 emulator, the relay with its delivery worker, and the demo shop, wired
 * together on localhost. `npm run demo` and the browser tests both start the demo through it.
 */
import type { FastifyInstance } from 'fastify'
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import pino, { type Logger } from 'pino'
import { buildApp } from '../app.ts'
import { buildConfig } from '../config/load.ts'
import { DeliveryWorker } from '../delivery/worker.ts'
import { startEmulator, type Emulator } from '../emulator/index.ts'
import { openStore } from '../outbox/open.ts'
import { CF7_FORM_ID, DEMO_USER_FIELDS, demoConfig, SHOP_FORM_ID } from './demo-config.ts'
import { startShop, type Shop } from './shop.ts'

export interface DemoOptions {
  /** 0 picks a free port. */
  ports: { relay: number, emulator: number, shop: number }
  /** Every server listens here, and the printed URLs use it. Default 127.0.0.1. */
  host?: string
  /** Default sqlite:./data/demo.db; tests use sqlite::memory:. */
  outboxUrl?: string
  logger?: Logger
  /** The admin token of the status page and admin API; default a random one, printed with the status page's URL. */
  adminToken?: string
}

export interface Demo {
  relayUrl: string
  emulatorUrl: string
  shopUrl: string
  /** The pages worth opening, for printing. `status` signs in with the token (the page drops it from the address). */
  urls: { landing: string, product: string, cf7: string, leads: string, status: string }
  adminToken: string
  emulator: Emulator
  close: () => Promise<void>
}

/** The secret the demo's WordPress stand-in sends in X-Relay-Secret. */
export const DEMO_CF7_SECRET = 'demo-cf7-webhook-secret'

export async function startDemo (opts: DemoOptions): Promise<Demo> {
  const host = opts.host ?? '127.0.0.1'
  const logger = opts.logger ?? pino({ level: 'silent' })
  const started: Array<() => Promise<void>> = []
  const close = async (): Promise<void> => {
    for (const stop of started.reverse()) await stop()
  }
  try {
    const emulator = await startEmulator({ port: opts.ports.emulator, host, userFields: DEMO_USER_FIELDS })
    started.push(emulator.close)
    let relayUrl = ''
    const adminToken = opts.adminToken ?? randomBytes(16).toString('hex')
    const shop: Shop = await startShop({
      port: opts.ports.shop,
      host,
      relayUrl: () => relayUrl,
      emulatorUrl: emulator.url,
      shopFormId: SHOP_FORM_ID,
      cf7FormId: CF7_FORM_ID,
      cf7Secret: DEMO_CF7_SECRET
    })
    started.push(shop.close)
    const config = buildConfig(demoConfig({
      webhookUrl: emulator.webhookUrl,
      shopUrl: shop.url,
      outboxUrl: opts.outboxUrl ?? 'sqlite:./data/demo.db',
      cf7Secret: DEMO_CF7_SECRET
    }), {}, 'demo')
    const { outbox, admin } = await openStore(config.outbox.url, config.outbox.durability, logger)
    started.push(() => outbox.close())
    const worker = new DeliveryWorker({ outbox, config: () => config, logger })
    started.push(() => worker.stop())
    const app: FastifyInstance = await buildApp({
      config: () => config,
      outbox,
      ...(admin !== undefined ? { admin } : {}),
      logger,
      adminToken,
      deliveryStatus: () => worker.status(),
      onAccepted: id => worker.wake(id)
    })
    await app.listen({ port: opts.ports.relay, host })
    started.push(() => app.close())
    relayUrl = `http://${host}:${(app.server.address() as AddressInfo).port}`
    worker.start()
    const product = 'magnifica-s'
    return {
      relayUrl,
      emulatorUrl: emulator.url,
      shopUrl: shop.url,
      urls: {
        landing: `${shop.url}/?utm_source=yandex&utm_medium=cpc&utm_campaign=spring`,
        product: `${shop.url}/product/${product}`,
        cf7: `${shop.url}/wp/${product}/`,
        leads: `${shop.url}/leads`,
        status: `${relayUrl}/status?token=${adminToken}`
      },
      adminToken,
      emulator,
      close
    }
  } catch (err) {
    await close()
    throw err
  }
}
