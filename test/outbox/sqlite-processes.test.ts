/** Two processes on one outbox file, as the server and `npm run worker` are: no submission is claimed twice. */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, expect, it } from 'vitest'
import { sqliteFileHarness, type SqliteFileHarness } from './sqlite-harness.ts'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

let h: SqliteFileHarness | undefined
let child: ChildProcessWithoutNullStreams | undefined
afterEach(async () => {
  if (child?.exitCode === null) child.kill()
  await h?.cleanup()
})

it('a child process and this one claim from the same file without overlap', async () => {
  // relaxed: the locking is the same, and without an fsync per commit the lock is held so briefly
  // that neither side starves the other (SQLite's busy handler is not fair) even on a slow disk.
  // Stamped a second in the past, so the child process sees every submission due at once.
  h = await sqliteFileHarness({ durability: 'relaxed', clock: () => Date.now() - 1000 })
  const total = 300
  const seeded = await Promise.all(Array.from({ length: total }, (_, i) =>
    h!.outbox.enqueue({ formId: 'f', portalId: 'p', payload: { n: i } })))
  const ids = new Set(seeded.map(r => r.id))

  const args = ['--import', fixture('register-ts.mjs'), fixture('claimer.ts'), h.path, '3', 'relaxed']
  const claimer = child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  claimer.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const exited = once(claimer, 'exit')
  await new Promise<void>((resolve, reject) => {
    claimer.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      if (out.startsWith('ready\n')) resolve()
    })
    claimer.once('exit', () => reject(new Error(`claimer exited before it was ready: ${err}`)))
  })
  claimer.stdin.write('go\n')

  const mine: string[] = []
  for (;;) {
    const batch = await h.outbox.claim({ limit: 3, leaseMs: 60_000 })
    if (batch.length === 0) break
    mine.push(...batch.map(c => c.id))
    await Promise.all(batch.map(c => h!.outbox.complete(c.id, c.leaseToken, { leadId: 1 })))
    await sleep(2)
  }
  const [code] = await exited
  expect(code, err).toBe(0)
  const theirs = JSON.parse(out.split('\n').filter(Boolean).at(-1) ?? '[]') as string[]

  const overlap = mine.filter(id => theirs.includes(id))
  expect(overlap).toEqual([])
  expect(new Set([...mine, ...theirs])).toEqual(ids)
  expect(mine.length + theirs.length).toBe(total)
  // Both sides must have taken part, or the test proved nothing about concurrency.
  expect(mine.length).toBeGreaterThan(0)
  expect(theirs.length).toBeGreaterThan(0)
  expect((await h.outbox.stats()).delivered).toBe(total)
})
