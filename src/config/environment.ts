/** The process-level settings read from the environment once, at start (the rest is in the config file). */
import { z } from 'zod'
import { ConfigError } from '../errors.ts'

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  /** off: this process only takes submissions; run `npm run worker` elsewhere on the same store. */
  RELAY_WORKER: z.enum(['on', 'off']).default('on'),
  /** Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For is believed. */
  TRUST_PROXY: z.string().optional(),
  /** Bearer token of the admin API and status page; unset turns them off. */
  ADMIN_TOKEN: z.union([z.literal(''), z.string().min(16, 'use at least 16 characters (e.g. openssl rand -hex 32)')]).optional()
})

export interface Environment {
  port: number
  host: string
  runWorker: boolean
  trustProxy: string[] | false
  adminToken?: string
}

export function readEnvironment (env: Record<string, string | undefined>): Environment {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    throw new ConfigError('Invalid environment:\n  ' + parsed.error.issues.map(i => `${i.path.join('.')}: ${i.message}`).join('\n  '))
  }
  const e = parsed.data
  const proxies = e.TRUST_PROXY?.split(',').map(s => s.trim()).filter(Boolean) ?? []
  return {
    port: e.PORT,
    host: e.HOST,
    runWorker: e.RELAY_WORKER === 'on',
    trustProxy: proxies.length > 0 ? proxies : false,
    ...(e.ADMIN_TOKEN !== undefined && e.ADMIN_TOKEN !== '' ? { adminToken: e.ADMIN_TOKEN } : {})
  }
}
