/**
 * `npm start` runs what is built: scripts/check-build.mjs says in one line when dist/ is missing or stale, and never compiles
 * unless asked.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'

const script = resolve('scripts/check-build.mjs')
const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

function tree (opts: { src?: boolean, stamp?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'relay-build-'))
  dirs.push(root)
  writeFileSync(join(root, 'tsconfig.json'), '{}')
  if (opts.src !== false) {
    mkdirSync(join(root, 'src'))
    writeFileSync(join(root, 'src', 'server.ts'), 'export {}\n')
  }
  mkdirSync(join(root, 'dist'))
  if (opts.stamp === true) writeFileSync(join(root, 'dist', '.build-stamp'), 'built\n')
  return root
}

/** Sets a file's (or folder's) times to `secondsAgo` before now. */
function age (path: string, secondsAgo: number): void {
  const t = new Date(Date.now() - secondsAgo * 1000)
  utimesSync(path, t, t)
}

function check (root: string, ...flags: string[]): { status: number | null, stderr: string } {
  const run = spawnSync(process.execPath, [script, ...flags, root], { encoding: 'utf8', timeout: 60_000 })
  return { status: run.status, stderr: run.stderr }
}

describe('check-build', () => {
  it('refuses to start without a build, in one line that says how to fix it', () => {
    const root = tree({})
    const { status, stderr } = check(root)
    expect(status).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('run `npm run build` first')
  })

  it('starts on a build newer than every source', () => {
    const root = tree({ stamp: true })
    for (const p of ['src/server.ts', 'src', 'tsconfig.json']) age(join(root, p), 60)
    expect(check(root).status).toBe(0)
  })

  it('refuses a build older than a changed source', () => {
    const root = tree({ stamp: true })
    age(join(root, 'dist', '.build-stamp'), 60)
    const { status, stderr } = check(root)
    expect(status).toBe(1)
    expect(stderr).toContain('src/ has changed since the last build')
  })

  it('runs what is there when there are no sources to compare (an image or a package)', () => {
    const root = tree({ src: false })
    expect(check(root).status).toBe(0)
  })

  it('builds a stale tree first with --build (the demo and the emulator)', () => {
    const root = tree({})
    writeFileSync(join(root, 'package.json'), JSON.stringify({
      name: 'fake', private: true, scripts: { build: 'node -e "require(\'node:fs\').writeFileSync(\'dist/.build-stamp\', \'x\')"' }
    }))
    const { status, stderr } = check(root, '--build')
    expect(stderr).toContain('building first')
    expect(status).toBe(0)
    expect(existsSync(join(root, 'dist', '.build-stamp'))).toBe(true)
  })
})
