/** Opens the outbox named by OUTBOX_URL: sqlite:<path> (the default) or, later, redis://. */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Logger } from 'pino'
import { ConfigError } from '../errors.ts'
import { openSqliteOutbox } from './sqlite.ts'
import type { Outbox } from './types.ts'

export async function openOutbox (url: string, durability: 'full' | 'relaxed', logger: Logger): Promise<Outbox> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true })
    return openSqliteOutbox({ path: path === '' ? ':memory:' : path, durability, logger: logger.child({ component: 'outbox' }) })
  }
  throw new ConfigError(`outbox.url: "${url.replace(/\/\/[^@/]*@/, '//***@')}" is not supported; use sqlite:<path>`)
}
