/**
 * The process-level settings read from the environment once, at start (the rest is in the config
 * file). Every variable the relay, the standalone worker and the demo read is parsed here, by one
 * schema, so a bad value is refused with RELAY_ERR_ENV naming the variable before anything starts.
 */
import ipaddr from 'ipaddr.js'
import { z } from 'zod'
import { EnvironmentError } from '../errors.ts'
import { webhookUrlSchema } from './schema.ts'

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const port = z.string().trim().regex(/^\d{1,5}$/, 'must be a port number 0-65535').transform(Number)
  .refine(n => n <= 65535, 'must be a port number 0-65535')
/** Unset and empty both mean "not given": compose files pass `${VAR:-}` as an empty string. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess(v => (typeof v === 'string' && v.trim() === '') ? undefined : v, schema.optional())

// proxy-addr (Fastify's trustProxy) knows these names besides addresses and CIDRs.
const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])
const isProxyEntry = (entry: string): boolean => {
  if (PROXY_NAMES.has(entry)) return true
  if (entry.includes('/')) return ipaddr.isValidCIDR(entry)
  return ipaddr.isValid(entry)
}

const envSchema = z.object({
  PORT: optional(port),
  HOST: optional(z.string().trim()),
  LOG_LEVEL: optional(z.enum(LOG_LEVELS, `must be one of ${LOG_LEVELS.join(', ')}`)),
  /** off: this process only takes submissions; run `npm run worker` elsewhere on the same store. */
  RELAY_WORKER: optional(z.enum(['on', 'off'], 'must be on or off')),
  /** Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed. */
  TRUST_PROXY: optional(z.string().transform((value, ctx) => {
    const entries = value.split(',').map(s => s.trim()).filter(Boolean)
    const bad = entries.filter(e => !isProxyEntry(e))
    if (bad.length > 0) {
      const message = `"${bad.join('", "')}" is not an IP address, a CIDR range or loopback/linklocal/uniquelocal`
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    }
    return entries
  })),
  /** Bearer token of the admin API and status page; unset turns them off. */
  ADMIN_TOKEN: optional(z.string().min(16, 'use at least 16 characters (e.g. openssl rand -hex 32)')),
  /** Bearer token scrapes of /metrics must send; unset leaves /metrics open. */
  METRICS_TOKEN: optional(z.string()),
  /** The standalone worker's own /healthz and /metrics. */
  METRICS_PORT: optional(port),
  OUTBOX_URL: optional(z.string().trim().refine(
    u => u.startsWith('sqlite:') || u.startsWith('redis://') || u.startsWith('rediss://'),
    'use sqlite:<path> or redis://host:6379/0')),
  OUTBOX_DURABILITY: optional(z.enum(['full', 'relaxed'], 'must be full or relaxed')),
  RELAY_CONFIG: optional(z.string()),
  B24_WEBHOOK_URL: optional(webhookUrlSchema),
  /** The demo's emulated portal and shop. */
  EMULATOR_PORT: optional(port),
  SHOP_PORT: optional(port)
})

export type EnvironmentVariable = keyof typeof envSchema.shape
export const ENVIRONMENT_VARIABLES = Object.keys(envSchema.shape) as EnvironmentVariable[]

export interface Environment {
  /** Absent when PORT is unset: the relay uses 3000, tests 0. */
  port?: number
  /** Absent when HOST is unset: the relay listens on 0.0.0.0, the demo on 127.0.0.1. */
  host?: string
  logLevel: (typeof LOG_LEVELS)[number]
  runWorker: boolean
  trustProxy: string[] | false
  adminToken?: string
  metricsToken?: string
  metricsPort?: number
  outboxUrl?: string
  outboxDurability?: 'full' | 'relaxed'
  configPath?: string
  webhookUrl?: string
  emulatorPort?: number
  shopPort?: number
}

type Env = Record<string, string | undefined>

/** Parses every variable; throws EnvironmentError (RELAY_ERR_ENV) naming each bad one, never echoing a secret. */
export function readEnvironment (env: Env): Environment {
  const parsed = envSchema.safeParse(Object.fromEntries(ENVIRONMENT_VARIABLES.map(name => [name, env[name]])))
  if (!parsed.success) {
    const issues = parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`)
    const names = [...new Set(parsed.error.issues.map(i => String(i.path[0])))]
    throw new EnvironmentError(`Invalid environment (${names.join(', ')}):\n  ${issues.join('\n  ')}`, names, issues)
  }
  const e = parsed.data
  const set = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
    (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
  return {
    ...set('port', e.PORT),
    ...set('host', e.HOST),
    logLevel: e.LOG_LEVEL ?? 'info',
    runWorker: (e.RELAY_WORKER ?? 'on') === 'on',
    trustProxy: e.TRUST_PROXY !== undefined && e.TRUST_PROXY.length > 0 ? e.TRUST_PROXY : false,
    ...set('adminToken', e.ADMIN_TOKEN),
    ...set('metricsToken', e.METRICS_TOKEN),
    ...set('metricsPort', e.METRICS_PORT),
    ...set('outboxUrl', e.OUTBOX_URL),
    ...set('outboxDurability', e.OUTBOX_DURABILITY),
    ...set('configPath', e.RELAY_CONFIG),
    ...set('webhookUrl', e.B24_WEBHOOK_URL),
    ...set('emulatorPort', e.EMULATOR_PORT),
    ...set('shopPort', e.SHOP_PORT)
  }
}
