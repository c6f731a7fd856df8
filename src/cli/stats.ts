/** `b24-form-relay stats`: what waits, what failed, and how old the oldest waiting submission is. */
import pino from 'pino'
import { openStore } from '../outbox/open.ts'
import { cliConfig, EXIT, type CliIo } from './io.ts'

export async function runStats (io: CliIo, opts: { config?: string, json?: boolean }): Promise<number> {
  const config = cliConfig(io, opts.config)
  const clock = io.now !== undefined ? { clock: io.now } : {}
  const { outbox, admin } = await openStore(config.outbox.url, config.outbox.durability, pino({ level: 'silent' }), clock)
  try {
    const now = (io.now ?? Date.now)()
    const stats = await outbox.stats()
    const day = admin === undefined
      ? undefined
      : await admin.activity({ from: now - 24 * 3_600_000, to: now, bucketMs: 3_600_000 })
    const last24h = day === undefined
      ? undefined
      : Object.fromEntries(Object.entries(day.counts).map(([k, v]) => [k, v.reduce((a, b) => a + b, 0)]))
    if (opts.json === true) {
      io.out(JSON.stringify({ ...stats, ...(last24h !== undefined ? { last24h } : {}) }, null, 2))
      return EXIT.ok
    }
    const age = stats.oldestPendingAt === null ? '-' : `${Math.round((now - stats.oldestPendingAt) / 1000)} s`
    io.out(`pending ${stats.pending}  leased ${stats.leased}  due ${stats.due}  dead ${stats.dead}  ` +
      `delivered ${stats.delivered}  oldest waiting ${age}`)
    if (stats.held > 0) io.out(`held during a flood ${stats.held} (release or discard: POST /admin/held/release | discard, or /status)`)
    for (const [portal, p] of Object.entries(stats.byPortal)) {
      io.out(`  portal ${portal}: pending ${p.pending}  leased ${p.leased}  dead ${p.dead}`)
    }
    if (last24h !== undefined) {
      io.out(`last 24 h: received ${last24h.received ?? 0}  delivered ${last24h.delivered ?? 0}  ` +
        `failed attempts ${last24h.failed ?? 0}  dead-lettered ${last24h.dead ?? 0}`)
    }
    return EXIT.ok
  } finally {
    await outbox.close()
  }
}
