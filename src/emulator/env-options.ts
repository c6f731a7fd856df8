/** Reads emulator options from EMULATOR_* environment variables (used by the CLI entry). */
import { parseFaultConfig } from './fault-schema.ts'
import type { EmulatorOptions, FaultConfig, UserFieldSpec } from './types.ts'

type Env = Record<string, string | undefined>

const FAULT_VARS: Array<[string, keyof FaultConfig]> = [
  ['EMULATOR_FAULT_503', 'status503'],
  ['EMULATOR_FAULT_500', 'status500'],
  ['EMULATOR_FAULT_RESET', 'reset'],
  ['EMULATOR_FAULT_LOST_REPLY', 'lostReply'],
  ['EMULATOR_FAULT_429', 'operationLimit'],
  ['EMULATOR_FAULT_404', 'notFound'],
  ['EMULATOR_FAULT_302', 'moved']
]

function number (env: Env, name: string, check: (n: number) => boolean, rule: string): number | undefined {
  const raw = env[name]?.trim()
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isFinite(n) || !check(n)) throw new Error(`${name} must be ${rule}, got "${raw}"`)
  return n
}

function flag (env: Env, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase()
  if (raw === undefined || raw === '') return undefined
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true
  if (['0', 'false', 'no', 'off'].includes(raw)) return false
  throw new Error(`${name} must be true or false, got "${raw}"`)
}

/** "200" or "100-500" (milliseconds). */
function delay (env: Env): FaultConfig['delayMs'] {
  const raw = env.EMULATOR_DELAY_MS?.trim()
  if (raw === undefined || raw === '') return undefined
  const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(raw)
  if (m === null) throw new Error(`EMULATOR_DELAY_MS must be "ms" or "min-max", got "${raw}"`)
  return m[2] === undefined ? Number(m[1]) : { min: Number(m[1]), max: Number(m[2]) }
}

function faults (env: Env): FaultConfig {
  const plan: Record<string, unknown> = {}
  const prob = (n: number): boolean => n >= 0 && n <= 1
  for (const [name, key] of FAULT_VARS) plan[key] = number(env, name, prob, 'a probability 0..1')
  plan.movedTo = env.EMULATOR_MOVED_TO?.trim() || undefined
  plan.delayMs = delay(env)
  plan.delayProbability = number(env, 'EMULATOR_DELAY_PROBABILITY', prob, 'a probability 0..1')
  plan.seed = number(env, 'EMULATOR_SEED', Number.isInteger, 'an integer')
  plan.operationResetSeconds = number(env, 'EMULATOR_OPERATION_RESET_SECONDS', n => n >= 0, 'a number of seconds')
  return parseFaultConfig(Object.fromEntries(Object.entries(plan).filter(([, v]) => v !== undefined)))
}

const USER_FIELD = /^(UF_CRM_[A-Z0-9_]+)(?::([a-z_]+))?(?::(.+))?$/

/**
 * Custom lead fields the portal has: `UF_CRM_NAME[:type[:label]]`, type string by default, e.g.
 * `UF_CRM_PRODUCT_URL:url` or `UF_CRM_SIZE:enumeration`. From EMULATOR_USER_FIELDS (comma-separated)
 * or repeated `--user-field` flags.
 */
export function parseUserFields (specs: readonly string[], source: string): UserFieldSpec[] {
  return specs.map(s => s.trim()).filter(Boolean).map(spec => {
    const m = USER_FIELD.exec(spec)
    if (m === null) {
      throw new Error(`${source}: "${spec}" is not UF_CRM_NAME[:type[:label]] (upper-case name, e.g. UF_CRM_PRODUCT_URL:url)`)
    }
    return { name: m[1]!, type: m[2] ?? 'string', ...(m[3] !== undefined ? { label: m[3] } : {}) }
  })
}

export function optionsFromEnv (env: Env, flags: { userFields?: readonly string[] } = {}): EmulatorOptions {
  const userFields = [
    ...parseUserFields((env.EMULATOR_USER_FIELDS ?? '').split(','), 'EMULATOR_USER_FIELDS'),
    ...parseUserFields(flags.userFields ?? [], '--user-field')
  ]
  const positive = (n: number): boolean => n > 0
  const secret = env.EMULATOR_SECRET?.trim()
  return {
    port: number(env, 'EMULATOR_PORT', n => Number.isInteger(n) && n >= 0 && n < 65536, 'a port number') ?? 3001,
    host: env.EMULATOR_HOST?.trim() || '127.0.0.1',
    userId: number(env, 'EMULATOR_USER_ID', n => Number.isInteger(n) && n > 0, 'a positive integer'),
    secret: secret === '' ? undefined : secret,
    burst: number(env, 'EMULATOR_BURST', positive, 'a positive number'),
    drainPerSecond: number(env, 'EMULATOR_DRAIN', positive, 'a positive number'),
    rateLimit: flag(env, 'EMULATOR_RATE_LIMIT'),
    logger: flag(env, 'EMULATOR_LOG') ?? false,
    faults: faults(env),
    ...(userFields.length > 0 ? { userFields } : {})
  }
}
