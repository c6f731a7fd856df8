/** Temp-file and in-memory SQLite outboxes for the contract suite and the SQLite tests. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqliteOutbox, type SqliteOutbox, type SqliteOutboxOptions } from '../../src/outbox/sqlite.ts'
import type { OutboxHarness } from './outbox.contract.ts'

export interface SqliteFileHarness extends OutboxHarness {
  outbox: SqliteOutbox
  open: (opts?: Partial<SqliteOutboxOptions>) => Promise<SqliteOutbox>
  path: string
}

/**
 * A fresh file in its own temp folder; `open()` adds handles on it, `cleanup()` closes them all and
 * removes the folder. `openWith` is the adapter's opener (in-process by default, or the writer thread's).
 */
export async function sqliteFileHarness (
  opts: Partial<SqliteOutboxOptions> = {},
  openWith: (options: SqliteOutboxOptions) => Promise<SqliteOutbox> = openSqliteOutbox
): Promise<SqliteFileHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'outbox-'))
  const path = join(dir, 'outbox.db')
  const handles: SqliteOutbox[] = []
  const open = async (more: Partial<SqliteOutboxOptions> = {}): Promise<SqliteOutbox> => {
    const handle = await openWith({ path, durability: 'full', ...opts, ...more })
    handles.push(handle)
    return handle
  }
  return {
    outbox: await open(),
    open,
    path,
    cleanup: async () => {
      await Promise.all(handles.map(h => h.close()))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

export async function sqliteMemoryHarness (clock?: () => number): Promise<OutboxHarness & { outbox: SqliteOutbox }> {
  const outbox = await openSqliteOutbox({ path: ':memory:', durability: 'full', ...(clock !== undefined ? { clock } : {}) })
  return { outbox, cleanup: async () => { await outbox.close() } }
}
