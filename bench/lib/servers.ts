/** Starts the three servers the benchmarks compare: the relay (built entry), bare Fastify and the naive relay. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnChild, type Child } from './children.ts'
import { ENTRIES, ROOT } from './paths.ts'

export interface RelayOptions {
  /** A folder of its own: config, log and (for SQLite) the database. */
  dir: string
  webhook: string
  /** sqlite:<path> by default, inside `dir`. */
  outboxUrl?: string
  durability: 'full' | 'relaxed'
  worker: boolean
  bucket: { burst: number, drainPerSecond: number }
  /** More top-level config keys (rateLimit, limits, flood…) and environment variables. */
  config?: Record<string, unknown>
  env?: Record<string, string>
}

export async function startRelay (opts: RelayOptions, name = 'relay'): Promise<Child> {
  mkdirSync(opts.dir, { recursive: true })
  const configFile = join(opts.dir, 'relay.config.json')
  // JSON is YAML: the relay's loader reads it as is. Everything else stays at its default.
  writeFileSync(configFile, JSON.stringify({
    // eslint-disable-next-line no-template-curly-in-string -- the config file's ${VAR} syntax: the relay reads the variable
    portals: { default: { webhook: '${B24_WEBHOOK_URL}', rateLimit: opts.bucket } },
    ...opts.config
  }, null, 2))
  return await spawnChild({
    name,
    entry: ENTRIES.relay,
    nodeArgs: startFlags(),
    env: {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      RELAY_CONFIG: configFile,
      B24_WEBHOOK_URL: opts.webhook,
      OUTBOX_URL: opts.outboxUrl ?? `sqlite:${join(opts.dir, 'relay.db')}`,
      OUTBOX_DURABILITY: opts.durability,
      RELAY_WORKER: opts.worker ? 'on' : 'off',
      ...opts.env
    },
    logFile: join(opts.dir, `${name}.log`),
    readyMsg: 'relay ready'
  })
}

/** The Node flags `npm start` gives the relay (package.json), so the benchmark runs it as users do. */
export function startFlags (): string[] {
  const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts
  const start = scripts.start ?? ''
  return start.replace(/^node\s+/, '').split(/\s+/).filter(arg => arg.startsWith('--'))
}

export async function startBare (dir: string): Promise<Child> {
  mkdirSync(dir, { recursive: true })
  return await spawnChild({ name: 'bare-fastify', entry: ENTRIES.bare, env: {}, logFile: join(dir, 'bare.log'), readyMsg: 'bare ready' })
}

export async function startNaive (dir: string, webhook: string): Promise<Child> {
  mkdirSync(dir, { recursive: true })
  return await spawnChild({
    name: 'naive-relay', entry: ENTRIES.naive, env: { B24_WEBHOOK_URL: webhook }, logFile: join(dir, 'naive.log'), readyMsg: 'naive ready'
  })
}
