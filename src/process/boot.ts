/**
 * What the relay (src/server.ts) and the standalone worker (src/worker.ts) share as processes: the
 * environment read once, the logger, the metrics registry, the config with SIGHUP reloads, a
 * graceful shutdown on SIGTERM/SIGINT, and listening with an error that names the port's variable.
 * A start-up failure is one fatal log line with its code, never a stack trace, and exit status 1.
 */
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { readEnvironment, type Environment } from '../config/environment.ts'
import { restartOnlyChanges } from '../config/restart-only.ts'
import { loadConfig } from '../config/load.ts'
import { readConfigFile } from '../config/read-file.ts'
import type { RelayConfig } from '../config/schema.ts'
import { PortInUseError } from '../errors.ts'
import { createLogger } from '../observability/logger.ts'
import { createMetrics, type RelayMetrics } from '../observability/metrics.ts'

export interface Boot {
  env: Environment
  logger: Logger
  registry: Registry
  metrics: RelayMetrics
  /** The current config; SIGHUP replaces it when the new file is valid. */
  config: () => RelayConfig
  /** Runs at shutdown, in the order registered (stop intake first, close stores last). */
  onClose: (close: () => Promise<void> | void) => void
  /** Runs after a successful reload, with the new config already current. */
  onReload: (apply: (next: RelayConfig, previous: RelayConfig) => void) => void
  /** Listens and resolves with the bound port; a taken port is RELAY_ERR_PORT_IN_USE naming `variable`. */
  listen: (app: FastifyInstance, opts: { port: number, host: string, variable: string }) => Promise<number>
}

/** Translates a listen failure on a taken port into an error naming the variable that sets it. */
export function portInUse (err: unknown, port: number, host: string, variable: string): unknown {
  return (err as { code?: unknown })?.code === 'EADDRINUSE' ? new PortInUseError(port, host, variable) : err
}

export function fatal (logger: Logger, err: unknown): never {
  const e = err as { code?: unknown, variables?: unknown, issues?: unknown }
  logger.fatal({ code: e?.code, ...(Array.isArray(e?.variables) ? { variables: e.variables } : {}) },
    err instanceof Error ? err.message : String(err))
  process.exit(1)
}

export function runProcess (main: (boot: Boot) => Promise<void>): void {
  const pretty = process.stdout.isTTY
  let env: Environment
  try {
    env = readEnvironment(process.env)
  } catch (err) {
    fatal(createLogger({ level: 'info', pretty }), err)
  }
  // JSON lines for collectors; readable lines when a person watches the terminal.
  const logger = createLogger({ level: env.logLevel, pretty })
  start(env, logger, main).catch(err => fatal(logger, err))
}

async function start (env: Environment, logger: Logger, main: (boot: Boot) => Promise<void>): Promise<void> {
  let config = loadConfig({ env: process.env, readFile: readConfigFile })
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'relay_' })
  const metrics = createMetrics(registry)
  const closers: Array<() => Promise<void> | void> = []
  const reloaders: Array<(next: RelayConfig, previous: RelayConfig) => void> = []

  // SIGHUP is not a shutdown here: it reloads the config (below).
  closeWithGrace({ delay: 10_000, logger, skip: ['SIGHUP'] }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'shutting down after an error')
    else logger.info({ signal }, 'shutting down')
    for (const close of closers) await close()
  })

  // SIGHUP: read the config again. Requests in flight finish with the config they started with; an
  // invalid file is refused and the running config stays.
  process.on('SIGHUP', () => {
    try {
      const next = loadConfig({ env: process.env, readFile: readConfigFile })
      const restartOnly = restartOnlyChanges(config, next)
      if (restartOnly.length > 0) logger.warn({ settings: restartOnly }, 'these settings take effect only after a restart')
      const previous = config
      config = next
      for (const apply of reloaders) apply(next, previous)
      logger.info({ forms: Object.keys(config.forms), portals: Object.keys(config.portals) }, 'config reloaded')
    } catch (err) {
      const e = err as { code?: string, issues?: string[], message?: string }
      logger.error({ code: e.code, issues: e.issues }, `config reload rejected; the running config stays: ${e.message ?? String(err)}`)
    }
  })

  await main({
    env,
    logger,
    registry,
    metrics,
    config: () => config,
    onClose: close => { closers.push(close) },
    onReload: apply => { reloaders.push(apply) },
    listen: async (app, { port, host, variable }) => {
      try {
        await app.listen({ port, host })
      } catch (err) {
        throw portInUse(err, port, host, variable)
      }
      const address = app.server.address()
      return typeof address === 'object' && address !== null ? address.port : port
    }
  })
}
