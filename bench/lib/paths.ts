/** Where things are: the repository root (found from this file, built or not) and the built entries. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function findRoot (from: string): string {
  let dir = from
  for (let i = 0; i < 8; i++) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'b24-form-relay') return dir
    dir = dirname(dir)
  }
  throw new Error('cannot find the repository root from ' + from)
}

export const ROOT = findRoot(dirname(fileURLToPath(import.meta.url)))

/** The built entries the benchmark runs (npm run bench compiles src/ and bench/ into dist/ first). */
export const ENTRIES = {
  relay: 'dist/src/server.js',
  emulator: 'dist/bench/servers/emulator.js',
  bare: 'dist/bench/servers/bare-fastify.js',
  naive: 'dist/bench/naive-relay.js'
} as const

export const TMP = join(ROOT, 'bench', 'tmp')
