/** `b24-form-relay replay`: put dead letters back in the queue (all, one portal's, or the ids given). */
import pino from 'pino'
import { requeueAllDead } from '../outbox/admin-types.ts'
import { openOutbox } from '../outbox/open.ts'
import { cliConfig, EXIT, Progress, type CliIo } from './io.ts'

export interface ReplayOptions {
  config?: string
  portal?: string
  ids: string[]
}

export async function runReplay (io: CliIo, opts: ReplayOptions): Promise<number> {
  const config = cliConfig(io, opts.config)
  const clock = io.now !== undefined ? { clock: io.now } : {}
  const outbox = await openOutbox(config.outbox.url, config.outbox.durability, pino({ level: 'silent' }), clock)
  try {
    if (opts.ids.length > 0) {
      let failed = 0
      const progress = new Progress(io, 'replay', opts.ids.length, 50)
      for (const [i, id] of opts.ids.entries()) {
        if (await outbox.requeueDead(id)) {
          io.out(`requeued ${id}`)
        } else {
          failed++
          const record = await outbox.get(id)
          io.err(record === undefined ? `${id}: no such submission` : `${id}: is ${record.status}, not a dead letter`)
        }
        progress.update(i + 1)
      }
      progress.done(`${opts.ids.length - failed} requeued, ${failed} skipped`)
      return failed > 0 ? EXIT.problems : EXIT.ok
    }
    const stats = await outbox.stats()
    const total = opts.portal === undefined ? stats.dead : stats.byPortal[opts.portal]?.dead ?? 0
    const progress = new Progress(io, 'replay', total, 200)
    const n = await requeueAllDead(outbox, opts.portal, done => progress.update(done))
    progress.done(`${n} dead letter(s) requeued`)
    io.out(`requeued ${n}`)
    return EXIT.ok
  } finally {
    await outbox.close()
  }
}
