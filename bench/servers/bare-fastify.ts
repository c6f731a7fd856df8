/** The baseline: a bare Fastify route that parses the same urlencoded body and answers 202, storing nothing. */
import formbody from '@fastify/formbody'
import Fastify from 'fastify'

const app = Fastify({ logger: false })
await app.register(formbody)
app.post('/f/:formId', async (request, reply) => {
  const body = request.body as Record<string, unknown>
  return reply.code(202).send({ ok: true, fields: Object.keys(body).length })
})
await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(JSON.stringify({
  msg: 'bare ready', time: Date.now(), port: typeof address === 'object' && address !== null ? address.port : 0
}) + '\n')
process.once('SIGTERM', async () => { await app.close(); process.exit(0) })
