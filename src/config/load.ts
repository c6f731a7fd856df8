/**
 * Reads relay.config.yaml (or JSON), resolves ${VAR} references from the environment, applies the
 * zero-config defaults and validates everything with zod. Pure apart from the injected file reader:
 * an invalid configuration throws a ConfigError naming every key and problem.
 */
import { parse as parseYaml } from 'yaml'
import { own } from './own.ts'
import { ConfigError } from '../errors.ts'
import { configSchema, formSchema, type RelayConfig } from './schema.ts'
import { DEFAULT_FORM_FIELDS, mergeDictionaries, validateFormConfig } from '../mapping/index.ts'

export type Env = Record<string, string | undefined>

export interface LoadOptions {
  env: Env
  /** Returns the file's text, or undefined when it does not exist. */
  readFile: (path: string) => string | undefined
}

export const DEFAULT_CONFIG_PATH = './relay.config.yaml'

export function loadConfig ({ env, readFile }: LoadOptions): RelayConfig {
  const path = env.RELAY_CONFIG ?? DEFAULT_CONFIG_PATH
  const text = readFile(path)
  if (text === undefined && env.RELAY_CONFIG !== undefined) {
    throw new ConfigError(`Config file ${path} (RELAY_CONFIG) does not exist`)
  }
  let raw: unknown = {}
  if (text !== undefined) {
    try {
      raw = parseYaml(text) ?? {}
    } catch (err) {
      throw new ConfigError(`Config file ${path} is not valid YAML or JSON: ${(err as Error).message}`)
    }
  }
  const used = new Set<string>()
  const resolved = interpolate(raw, env, '', used)
  // A file that wires ${B24_WEBHOOK_URL} into its own portal has said where leads go: the zero-config
  // `default` portal and its secret-less `default` form would be a second, unasked-for way in.
  return buildConfig(resolved, env, text === undefined ? 'environment' : path, { zeroConfig: !used.has('B24_WEBHOOK_URL') })
}

export interface BuildOptions {
  /** Add the `default` portal and form from B24_WEBHOOK_URL (default true). */
  zeroConfig?: boolean
}

/** Validates an already-parsed config object (tests and the reload path use it directly). */
export function buildConfig (raw: unknown, env: Env = {}, source = 'config', opts: BuildOptions = {}): RelayConfig {
  const withEnv = applyEnvironment(raw, opts.zeroConfig === false ? { ...env, B24_WEBHOOK_URL: undefined } : env)
  const parsed = configSchema.safeParse(withEnv)
  if (!parsed.success) {
    const issues = parsed.error.issues.map(i => `${i.path.join('.') || '(root)'}: ${i.message}`)
    throw new ConfigError(`Invalid configuration in ${source}:\n  ${issues.join('\n  ')}`, issues)
  }
  const config = parsed.data
  const problems: string[] = []
  if (Object.keys(config.portals).length === 0) {
    problems.push('portals: no Bitrix24 portal configured; set B24_WEBHOOK_URL or add portals to the config file')
  }
  for (const [formId, form] of Object.entries(config.forms)) {
    const portal = own(config.portals, form.portal)
    if (portal === undefined) {
      const known = Object.keys(config.portals).join(', ') || 'none'
      problems.push(`forms.${formId}.portal: portal "${form.portal}" is not configured (known: ${known})`)
      continue
    }
    problems.push(...validateFormConfig(formId, form, mergeDictionaries(portal.dictionaries)))
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration in ${source}:\n  ${problems.join('\n  ')}`, problems)
  }
  return deepFreeze(config)
}

const LIMIT_VARS = [
  ['REQUEST_TIMEOUT_MS', 'requestTimeoutMs'],
  ['HEADERS_TIMEOUT_MS', 'headersTimeoutMs'],
  ['MIN_BODY_BYTES_PER_SECOND', 'minBodyBytesPerSecond']
] as const

/** Environment settings that override or complete the file: the zero-config path lives here. */
function applyEnvironment (raw: unknown, env: Env): unknown {
  const base = (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) ? { ...(raw as Record<string, unknown>) } : raw
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base
  const cfg = base as Record<string, unknown>
  const portals = { ...((cfg.portals as Record<string, unknown> | undefined) ?? {}) }
  if (env.B24_WEBHOOK_URL !== undefined && env.B24_WEBHOOK_URL !== '' && portals.default === undefined) {
    portals.default = { webhook: env.B24_WEBHOOK_URL }
  }
  cfg.portals = portals
  const forms = { ...((cfg.forms as Record<string, unknown> | undefined) ?? {}) }
  if (forms.default === undefined && portals.default !== undefined) {
    forms.default = formSchema.parse({
      name: 'Заявка с сайта',
      portal: 'default',
      fields: DEFAULT_FORM_FIELDS,
      defaults: { SOURCE_ID: 'WEB' }
    })
  }
  cfg.forms = forms
  if (env.OUTBOX_URL !== undefined && env.OUTBOX_URL !== '') {
    cfg.outbox = { ...((cfg.outbox as Record<string, unknown> | undefined) ?? {}), url: env.OUTBOX_URL }
  }
  // Connection limits from the environment (numbers), over the file's `limits`.
  for (const [name, key] of LIMIT_VARS) {
    const text = env[name]
    if (text === undefined || text === '') continue
    cfg.limits = { ...((cfg.limits as Record<string, unknown> | undefined) ?? {}), [key]: /^\d+$/.test(text) ? Number(text) : text }
  }
  if (env.OUTBOX_DURABILITY !== undefined && env.OUTBOX_DURABILITY !== '') {
    cfg.outbox = { ...((cfg.outbox as Record<string, unknown> | undefined) ?? {}), durability: env.OUTBOX_DURABILITY }
  }
  return cfg
}

/** Replaces ${VAR} in every string; a missing variable is an error naming the key that uses it. */
function interpolate (value: unknown, env: Env, path: string, used: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      used.add(name)
      const v = env[name]
      if (v === undefined) throw new ConfigError(`${path || '(root)'}: environment variable ${name} is not set`)
      return v
    })
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}.${i}`, used))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, path ? `${path}.${k}` : k, used)
    return out
  }
  return value
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}
