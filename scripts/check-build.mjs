#!/usr/bin/env node
// Runs before `npm start`, `npm run worker`, `npm run demo` and `npm run emulator`: the relay starts
// from dist/ and never compiles on the way (a compile costs seconds of CPU on every restart). With
// `--build`, a stale or missing build is made first (the demo and the emulator are development
// tools); without it, a stale build stops the start with one line saying how to fix it.
// Plain JavaScript on purpose: it has to run before anything is built.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const args = process.argv.slice(2)
const build = args.includes('--build')
const root = args.find(a => !a.startsWith('--')) ?? process.cwd()
const stamp = join(root, 'dist', '.build-stamp')
// What a build is made from: the sources and the compiler settings.
const inputs = [join(root, 'src'), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')]

function newestMtime (path) {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  // A folder's own time changes when a file is added, removed or renamed in it.
  let newest = st.mtimeMs
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)))
  return newest
}

function staleness () {
  // An image or package without src/ has nothing to compare against: what is built is what runs.
  if (!existsSync(join(root, 'src'))) return existsSync(join(root, 'dist')) ? undefined : 'dist/ is missing'
  if (!existsSync(stamp)) return 'dist/ is missing or was not built by `npm run build`'
  const built = statSync(stamp).mtimeMs
  return Math.max(...inputs.map(newestMtime)) > built ? 'src/ has changed since the last build' : undefined
}

const reason = staleness()
if (reason === undefined) process.exit(0)
if (!build) {
  console.error(`b24-form-relay: ${reason}; run \`npm run build\` first (npm start runs what is built and never compiles).`)
  process.exit(1)
}
console.error(`b24-form-relay: ${reason}; building first (npm run build)…`)
const run = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
process.exit(run.status ?? 1)
