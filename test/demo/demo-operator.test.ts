/** `npm run demo` as a process: it prints the operator's status page link with an admin token, and names the variable of a taken port. */
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRelayProcess, type RelayProcess } from '../helpers/relay-process.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const ENV = { PORT: '0', EMULATOR_PORT: '0', SHOP_PORT: '0', OUTBOX_URL: 'sqlite::memory:', LOG_LEVEL: 'warn' }

describe('npm run demo, operator side', () => {
  let demo: RelayProcess
  let busy: Server
  let busyPort: number

  beforeAll(async () => {
    demo = await startRelayProcess({ ...ENV, ADMIN_TOKEN: 'demo-admin-token-0123456789' },
      { entry: 'src/demo/main.ts', readyMsg: 'Stop with Ctrl+C.', timeoutMs: 30_000 })
    busy = createServer()
    await new Promise<void>(resolve => busy.listen(0, '127.0.0.1', resolve))
    busyPort = (busy.address() as { port: number }).port
  }, 40_000)
  afterAll(async () => {
    await demo?.kill('SIGTERM')
    await new Promise(resolve => busy.close(resolve))
  })

  it('prints the status page link that signs in with the admin token', async () => {
    const text = demo.logs.join('\n')
    const url = /the operator's status page: (\S+)/.exec(text)?.[1]
    expect(url, text).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status\?token=demo-admin-token-0123456789$/)
    expect(text).toContain('admin token: demo-admin-token-0123456789')
    const res = await fetch(url!, { redirect: 'manual' })
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/)
    // The terminal curl asks for JSON, so it shows the answer.
    expect(text).toMatch(/curl -H 'Accept: application\/json' -d 'name=/)
  })

  it.each([['SHOP_PORT'], ['EMULATOR_PORT'], ['PORT']])('a taken %s is named', async (variable) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/demo/main.ts'], {
      cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...ENV, [variable]: String(busyPort) }, stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (b: Buffer) => { out += b.toString() })
    child.stderr.on('data', (b: Buffer) => { out += b.toString() })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    const code = await new Promise(resolve => child.once('exit', resolve))
    clearTimeout(timer)
    expect(code).toBe(1)
    expect(out).toContain('RELAY_ERR_PORT_IN_USE')
    expect(out).toContain(`set ${variable} to a free port`)
  }, 40_000)
})
