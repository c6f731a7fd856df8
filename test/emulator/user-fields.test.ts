/**
 * The emulator declares custom lead fields from EMULATOR_USER_FIELDS or --user-field flags, so `check`
 * passes on the README's own product-URL mapping against `npm run emulator`.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { optionsFromEnv, parseUserFields } from '../../src/emulator/env-options.ts'
import { cli, tempDir, type TempDir } from '../cli/helpers.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

describe('custom fields from flags and the environment', () => {
  it('parses UF_CRM_NAME[:type[:label]] and refuses anything else by its source', () => {
    expect(parseUserFields(['UF_CRM_PRODUCT_URL:url', ' UF_CRM_NOTE ', 'UF_CRM_SIZE:enumeration:Размер', ''], 'x')).toEqual([
      { name: 'UF_CRM_PRODUCT_URL', type: 'url' },
      { name: 'UF_CRM_NOTE', type: 'string' },
      { name: 'UF_CRM_SIZE', type: 'enumeration', label: 'Размер' }
    ])
    expect(() => optionsFromEnv({ EMULATOR_USER_FIELDS: 'uf_crm_lower' }))
      .toThrow(/EMULATOR_USER_FIELDS: "uf_crm_lower" is not UF_CRM_NAME/)
    expect(optionsFromEnv({ EMULATOR_USER_FIELDS: 'UF_CRM_A' }, { userFields: ['UF_CRM_B:url'] }).userFields)
      .toEqual([{ name: 'UF_CRM_A', type: 'string' }, { name: 'UF_CRM_B', type: 'url' }])
  })

  describe('npm run emulator with the README\'s product fields', () => {
    let child: ReturnType<typeof spawn>
    let webhook: string
    let lines: string[]
    let dir: TempDir

    beforeAll(async () => {
      dir = tempDir()
      child = spawn(process.execPath, ['--import', 'tsx', 'src/emulator/main.ts', '--user-field', 'UF_CRM_PRODUCT_URL:url'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', EMULATOR_PORT: '0', EMULATOR_USER_FIELDS: 'UF_CRM_PRODUCT_NAME' },
        stdio: ['ignore', 'pipe', 'inherit']
      })
      lines = []
      webhook = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the emulator did not start:\n' + lines.join('\n'))), 20_000)
        createInterface({ input: child.stdout! }).on('line', line => {
          lines.push(line)
          const m = /^Webhook URL: (\S+)/.exec(line)
          if (m !== null) { clearTimeout(timer); resolve(m[1]!) }
        })
      })
    })
    afterAll(async () => {
      if (child.exitCode === null) {
        const exited = new Promise(resolve => child.once('exit', resolve))
        child.kill('SIGTERM')
        await exited
      }
      dir.remove()
    })

    it('check passes on the README\'s shop mapping (productUrl and productName targets)', async () => {
      const readme = readFileSync(`${ROOT}README.md`, 'utf8')
      const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map(m => m[1]!).find(b => b.includes('target: UF_CRM_PRODUCT_NAME'))
      expect(block, 'the README shows the product mapping').toBeDefined()
      const shop = (parse(block!) as { forms: { shop: Record<string, unknown> } }).forms.shop
      const file = dir.config('readme.yaml', {
        portals: { default: { webhook } },
        forms: { shop: { ...shop, fields: { name: 'NAME', phone: 'PHONE_MOBILE' } } },
        outbox: { url: `sqlite:${dir.path}/relay.db` }
      })
      const run = await cli(['check', '--config', file])
      expect(lines.join('\n')).toContain('Custom lead fields: UF_CRM_PRODUCT_NAME (string), UF_CRM_PRODUCT_URL (url)')
      expect(run.out).not.toContain('[error]')
      expect(run.code).toBe(0)
    })
  })
})
