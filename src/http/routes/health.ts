/** /healthz: the process answers. /readyz: the store answers too (details grow with the admin work). */
import type { FastifyInstance } from 'fastify'
import type { Outbox } from '../../outbox/types.ts'

export async function healthRoutes (app: FastifyInstance, deps: { outbox: Outbox }): Promise<void> {
  app.get('/healthz', async () => ({ ok: true }))
  app.get('/readyz', async (_request, reply) => {
    try {
      const stats = await deps.outbox.stats()
      return { ok: true, queue: { pending: stats.pending, dead: stats.dead, oldestPendingAt: stats.oldestPendingAt } }
    } catch {
      return reply.code(503).send({ ok: false, error: { code: 'RELAY_ERR_STORE_UNAVAILABLE', message: 'The store does not answer' } })
    }
  })
}
