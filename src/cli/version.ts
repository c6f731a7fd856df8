/** The relay's version from its package.json, found from this file whether it runs from src/ or dist/src/. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export function relayVersion (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json')
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown, version?: unknown }
        if (pkg.name === 'b24-form-relay' && typeof pkg.version === 'string') return pkg.version
      } catch {
        // An unreadable package.json higher up is not ours; keep looking.
      }
    }
    dir = dirname(dir)
  }
  return '0.0.0'
}
