/** OUTBOX_URL=sqlite:<path>: a relative folder is created, an absolute one must exist (nothing is created at the root). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import { openStore } from '../../src/outbox/open.ts'

const logger = pino({ level: 'silent' })

describe('openStore with a sqlite: path', () => {
  const dirs: string[] = []
  afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

  it('refuses an absolute path whose folder does not exist, naming it, and creates nothing', async () => {
    const missing = `/nonexistent-relay-dir-${process.pid}`
    await expect(openStore(`sqlite:${missing}/x.db`, 'full', logger)).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG',
      message: expect.stringContaining(`the folder ${missing} of ${missing}/x.db does not exist`)
    })
    expect(existsSync(missing)).toBe(false)
  })

  it('opens an absolute path in an existing folder, and creates a relative path\'s folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-open-'))
    dirs.push(dir)
    const absolute = await openStore(`sqlite:${join(dir, 'a.db')}`, 'full', logger)
    await absolute.outbox.close()
    const rel = relative(process.cwd(), join(dir, 'new', 'b.db'))
    const created = await openStore(`sqlite:${rel}`, 'full', logger)
    await created.outbox.close()
    expect(existsSync(join(dir, 'new', 'b.db'))).toBe(true)
  })
})
