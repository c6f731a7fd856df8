/**
 * The relay and the worker as processes: a bad variable, a taken port or a folder where the config
 * file should be stops the start with one coded line naming what to change, never a stack trace.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess } from '../helpers/relay-process.ts'
import { waitFor } from '../helpers/wait-for.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Runs an entry until it exits (bounded); resolves with its exit status and every output line. */
async function runUntilExit (entry: string, env: Record<string, string>): Promise<{ code: number | null, lines: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout.on('data', (b: Buffer) => { out += b.toString() })
  child.stderr.on('data', (b: Buffer) => { out += b.toString() })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const code = await new Promise<number | null>(resolve => child.once('exit', c => resolve(c)))
  clearTimeout(timer)
  return { code, lines: out.split('\n').filter(Boolean) }
}

function fatalLine (lines: string[]): { code: string, msg: string, variables?: string[] } {
  expect(lines.some(l => /^\s+at /.test(l))).toBe(false)
  const fatal = lines.map(l => { try { return JSON.parse(l) as { level: number, code: string, msg: string } } catch { return undefined } })
    .find(l => l?.level === 60)
  expect(fatal, lines.join('\n')).toBeDefined()
  return fatal!
}

describe('process start-up errors', () => {
  let dir: string
  let busy: Server
  let busyPort: number
  let env: Record<string, string>

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-boot-'))
    writeFileSync(join(dir, 'relay.json'), JSON.stringify({ portals: { default: { webhook: 'http://127.0.0.1:9/rest/1/abc/' } } }))
    env = { RELAY_CONFIG: join(dir, 'relay.json'), OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}` }
    busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    busyPort = (busy.address() as { port: number }).port
  })

  afterAll(async () => {
    await new Promise(resolve => busy.close(resolve))
    rmSync(dir, { recursive: true, force: true })
  })

  it.each([
    ['LOG_LEVEL', 'verbose'],
    ['TRUST_PROXY', 'not-an-ip'],
    ['METRICS_PORT', 'abc']
  ])('%s=%s: RELAY_ERR_ENV naming the variable, exit 1', async (name, value) => {
    const { code, lines } = await runUntilExit('src/server.ts', { ...env, [name]: value })
    expect(code).toBe(1)
    const line = fatalLine(lines)
    expect(line.code).toBe('RELAY_ERR_ENV')
    expect(line.variables).toEqual([name])
    expect(line.msg).toContain(`${name}: `)
  }, 30_000)

  it('a taken PORT says to change PORT', async () => {
    const { code, lines } = await runUntilExit('src/server.ts', { ...env, PORT: String(busyPort) })
    expect(code).toBe(1)
    const line = fatalLine(lines)
    expect(line.code).toBe('RELAY_ERR_PORT_IN_USE')
    expect(line.msg).toContain(`Port ${busyPort} on 127.0.0.1 is already in use`)
    expect(line.msg).toContain('set PORT to a free port')
  }, 30_000)

  it('the standalone worker: a taken METRICS_PORT says to change METRICS_PORT', async () => {
    const { code, lines } = await runUntilExit('src/worker.ts', { ...env, METRICS_PORT: String(busyPort) })
    expect(code).toBe(1)
    const line = fatalLine(lines)
    expect(line.code).toBe('RELAY_ERR_PORT_IN_USE')
    expect(line.msg).toContain('set METRICS_PORT to a free port')
  }, 30_000)

  it('a folder where the config file should be (a mount of a missing file) names the path', async () => {
    const folder = join(dir, 'relay.config.yaml')
    mkdirSync(folder)
    const { code, lines } = await runUntilExit('src/server.ts', { ...env, RELAY_CONFIG: folder })
    expect(code).toBe(1)
    const line = fatalLine(lines)
    expect(line.code).toBe('RELAY_ERR_CONFIG')
    expect(line.msg).toContain(`Config path ${folder} is a folder, not a file`)
    expect(line.msg).not.toContain('EISDIR')
  }, 30_000)
})

describe('config in a folder', () => {
  it('SIGHUP reads the new content after the file is replaced (a new inode, as editors and deploy tools do)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-folder-'))
    const folder = join(dir, 'config')
    mkdirSync(folder)
    const file = join(folder, 'relay.config.yaml')
    const config = (forms: string[]): string => JSON.stringify({
      portals: { default: { webhook: 'http://127.0.0.1:9/rest/1/abc/' } },
      forms: Object.fromEntries(forms.map(f => [f, { fields: { name: 'NAME' } }]))
    })
    writeFileSync(file, config(['first']))
    const relay = await startRelayProcess({ RELAY_CONFIG: file, OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}`, RELAY_WORKER: 'off' })
    try {
      const post = async (form: string): Promise<number> => (await fetch(`${relay.url}/f/${form}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Anna' })
      })).status
      expect(await post('second')).toBe(404)
      const before = statSync(file).ino
      writeFileSync(join(folder, '.relay.config.yaml.tmp'), config(['first', 'second']))
      renameSync(join(folder, '.relay.config.yaml.tmp'), file)
      expect(statSync(file).ino).not.toBe(before)
      relay.child.kill('SIGHUP')
      await waitFor(() => relay.logs.some(l => l.includes('"config reloaded"')), { what: 'the reload' })
      expect(await post('second')).toBe(202)
    } finally {
      await relay.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('a reload that changes a restart-only setting applies the rest and names what waits for a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-restart-only-'))
    const file = join(dir, 'relay.config.yaml')
    const config = (fileDownloads: number, forms: string[]): string => JSON.stringify({
      portals: { default: { webhook: 'http://127.0.0.1:9/rest/1/abc/' } },
      delivery: { fileDownloads },
      forms: Object.fromEntries(forms.map(f => [f, { fields: { name: 'NAME' } }]))
    })
    writeFileSync(file, config(4, ['first']))
    const relay = await startRelayProcess({ RELAY_CONFIG: file, OUTBOX_URL: `sqlite:${join(dir, 'relay.db')}`, RELAY_WORKER: 'off' })
    try {
      writeFileSync(file, config(2, ['first', 'second']))
      relay.child.kill('SIGHUP')
      await waitFor(() => relay.logs.some(l => l.includes('"config reloaded"')), { what: 'the reload' })
      const warning = relay.logs.find(l => l.includes('take effect only after a restart'))
      expect(warning).toBeDefined()
      expect(JSON.parse(warning as string).settings).toEqual(['delivery.fileDownloads'])
      const status = (await fetch(`${relay.url}/f/second`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Anna' })
      })).status
      expect(status).toBe(202)
    } finally {
      await relay.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }, 60_000)
})
