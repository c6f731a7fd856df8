/**
 * What the image ships: the production compile (tsconfig.prod.json, as the Dockerfile runs it) has
 * no source maps, no emulator and no demo, and the relay built that way starts and answers. The
 * Dockerfile pins its base image by version and strips build leftovers.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess } from '../helpers/relay-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

function files (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile()).map(e => relative(dir, join(e.parentPath, e.name)))
}

describe('the production build', () => {
  // Inside the repository so the built files find node_modules, as in the image.
  const out = join(ROOT, 'test-artifacts', `prod-build-${process.pid}`)

  beforeAll(() => {
    mkdirSync(out, { recursive: true })
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc')
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.prod.json'), '--outDir', out], { cwd: ROOT, stdio: 'pipe' })
    cpSync(join(ROOT, 'src/embed/embed.js'), join(out, 'src/embed/embed.js'))
  }, 180_000)
  afterAll(() => { rmSync(out, { recursive: true, force: true }) })

  it('has no source maps, emulator, demo, tests or benchmarks', () => {
    const all = files(out)
    expect(all).toContain('src/server.js')
    expect(all).toContain('src/worker.js')
    expect(all).toContain('src/cli.js')
    expect(all.filter(f => f.endsWith('.map'))).toEqual([])
    expect(all.filter(f => /^(src\/(emulator|demo)|test|bench)\//.test(f))).toEqual([])
  })

  it('starts and answers /healthz without them', async () => {
    const dir = join(out, 'run')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ portals: { default: { webhook: 'http://127.0.0.1:9/rest/1/abc/' } } }))
    const relay = await startRelayProcess({ RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}` },
      { entry: join(out, 'src/server.js'), node: true })
    try {
      expect((await fetch(`${relay.url}/healthz`)).status).toBe(200)
      expect((await fetch(`${relay.url}/embed.js`)).status).toBe(200)
    } finally {
      expect(await relay.kill('SIGTERM')).toBe(0)
    }
  }, 60_000)
})

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')

  it('pins the base image by version, the same in both stages', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:\d+\.\d+\.\d+-[a-z]+-slim$/m)
    // eslint-disable-next-line no-template-curly-in-string -- Dockerfile ARG references, meant literally
    expect(dockerfile.match(/^FROM .*/gm)).toEqual(['FROM ${NODE_IMAGE} AS build', 'FROM ${NODE_IMAGE}'])
  })

  it('builds with tsconfig.prod.json and removes better-sqlite3 sources and objects', () => {
    expect(dockerfile).toContain('npm run build:prod')
    expect(dockerfile).toMatch(/rm -rf deps src build\/deps build\/Release\/obj /)
    expect(dockerfile).toContain("find node_modules -name '*.map' -delete")
    // The file the Dockerfile keeps is the one better-sqlite3 loads.
    expect(existsSync(join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true)
  })

  it('.dockerignore keeps secrets, local config, data and tests out of the build context', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
    for (const entry of ['.env', 'config', 'data', 'test', 'bench', 'node_modules', 'dist']) expect(ignored).toContain(entry)
  })
})
