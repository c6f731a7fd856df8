import { fork } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { memoryCounters, type Counters } from '../../src/outbox/counters.ts'
import { openCounters } from '../../src/outbox/open-counters.ts'
import { openSqliteCounters } from '../../src/outbox/counters-sqlite.ts'
import { redisCounters } from '../../src/outbox/redis-counters.ts'
import { openSqliteOutbox } from '../../src/outbox/sqlite.ts'

/** What every adapter must do: turns 0..m-1 in order, separate keys, no turn given twice under concurrency. */
function contract (name: string, open: () => Promise<Counters>): void {
  describe(`Counters contract: ${name}`, () => {
    it('hands out turns in order and wraps at the modulo, per key', async () => {
      const c = await open()
      try {
        const a = []
        for (let i = 0; i < 7; i++) a.push(await c.next('form:a', 3))
        expect(a).toEqual([0, 1, 2, 0, 1, 2, 0])
        expect(await c.next('form:b', 3)).toBe(0)
        await expect(c.next('form:a', 0)).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_INPUT' })
      } finally { await c.close() }
    })

    it('gives 60 concurrent callers 60 different turns', async () => {
      const c = await open()
      try {
        const turns = await Promise.all(Array.from({ length: 60 }, async () => await c.next('busy', 1000)))
        expect(new Set(turns).size).toBe(60)
      } finally { await c.close() }
    })

    it('refuses to work after close', async () => {
      const c = await open()
      await c.close()
      await expect(c.next('x', 2)).rejects.toMatchObject({ code: 'RELAY_ERR_STORE_CLOSED' })
    })
  })
}

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'counters-')) })
afterAll(() => { rmSync(dir, { recursive: true, force: true }) })

contract('memory', async () => {
  const c = memoryCounters()
  let closed = false
  return { next: async (k, m) => { if (closed) throw Object.assign(new Error('closed'), { code: 'RELAY_ERR_STORE_CLOSED' }); return await c.next(k, m) }, close: async () => { closed = true } }
})
contract('sqlite', async () => openSqliteCounters({ path: join(dir, `c-${Math.random()}.db`) }))

const redisPrefix = `{counters-test-${process.pid}-${Date.now()}}:`
contract('redis', async () => {
  const redis = new Redis('redis://127.0.0.1:6379/0', { lazyConnect: true, maxRetriesPerRequest: 1 })
  await redis.connect()
  const c = redisCounters(redis, redisPrefix + Math.random() + ':')
  return { next: c.next, close: async () => { await c.close(); await redis.quit() } }
})

describe('SQLite counters live in the outbox file', () => {
  it('survive a restart and are shared with another process on the same file', async () => {
    const file = join(dir, 'shared.db')
    // The outbox opens (and migrates) the file first, as the relay does.
    const outbox = await openSqliteOutbox({ path: file, durability: 'full' })
    const first = openSqliteCounters({ path: file })
    expect([await first.next('rr', 4), await first.next('rr', 4)]).toEqual([0, 1])
    await first.close()
    const again = openSqliteCounters({ path: file })
    expect(await again.next('rr', 4)).toBe(2)
    // A child process takes 10 turns on the same file while this one takes 10.
    const script = join(dir, 'child.mts')
    writeFileSync(script, `
      import { openSqliteCounters } from ${JSON.stringify(join(process.cwd(), 'src/outbox/counters-sqlite.ts'))}
      const c = openSqliteCounters({ path: ${JSON.stringify(file)} })
      const turns = []
      for (let i = 0; i < 10; i++) turns.push(await c.next('rr', 1000))
      process.send(turns)
      await c.close()
    `)
    const child = fork(script, { execArgv: ['--import', 'tsx'] })
    const childTurns = new Promise<number[]>((resolve, reject) => {
      child.once('message', m => resolve(m as number[]))
      child.once('error', reject)
      child.once('exit', code => reject(new Error(`child exited with ${String(code)} before answering`)))
    })
    const mine: number[] = []
    for (let i = 0; i < 10; i++) mine.push(await again.next('rr', 1000))
    const theirs = await childTurns
    if (child.exitCode === null) await new Promise(resolve => child.once('exit', resolve))
    const all = [...mine, ...theirs]
    expect(new Set(all).size).toBe(20)
    expect(Math.min(...all)).toBe(3)
    expect(Math.max(...all)).toBe(22)
    await again.close()
    await outbox.close()
  })

  it('openCounters picks the adapter from the outbox URL', async () => {
    const sqlite = await openCounters(`sqlite:${join(dir, 'by-url.db')}`)
    expect(await sqlite.next('k', 2)).toBe(0)
    await sqlite.close()
    const redis = await openCounters(`redis://127.0.0.1:6379/0?prefix=counters-url-${process.pid}-${Date.now()}`)
    expect(await redis.next('k', 2)).toBe(0)
    expect(await redis.next('k', 2)).toBe(1)
    await redis.close()
  })
})
