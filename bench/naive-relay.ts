/**
 * The comparison point: a relay built the way the WordPress plugins work. One crm.lead.add per
 * submission, called while the visitor waits, no queue and no retry; a failed call is logged and
 * the lead is gone. B24_WEBHOOK_URL names the portal.
 */
import formbody from '@fastify/formbody'
import Fastify from 'fastify'
import { createBitrixClient } from '../src/bitrix/client.ts'
import { BitrixError } from '../src/bitrix/errors.ts'
import type { LeadFields } from '../src/domain/lead-fields.ts'

const webhook = process.env.B24_WEBHOOK_URL
if (webhook === undefined || webhook === '') throw new Error('B24_WEBHOOK_URL is not set')
const client = createBitrixClient({ webhook, timeoutMs: 30_000 })

const counts = { received: 0, delivered: 0, lost: 0, errors: {} as Record<string, number> }

const app = Fastify({ logger: false })
await app.register(formbody)

app.post('/f/:formId', async (request, reply) => {
  counts.received++
  const v = request.body as Record<string, string | undefined>
  const fields: LeadFields = {
    TITLE: `Заявка с сайта: ${v.name ?? ''}`,
    NAME: v.name ?? '',
    COMMENTS: v.message ?? '',
    SOURCE_ID: 'WEB',
    ...(v.phone !== undefined ? { PHONE: [{ VALUE: v.phone, VALUE_TYPE: 'WORK' }] } : {}),
    ...(v.email !== undefined ? { EMAIL: [{ VALUE: v.email, VALUE_TYPE: 'WORK' }] } : {})
  }
  try {
    const leadId = await client.addLead(fields)
    counts.delivered++
    return await reply.code(202).send({ ok: true, leadId })
  } catch (err) {
    // What the plugins do: write the error down and move on. The lead is lost.
    const code = err instanceof BitrixError ? (err.b24Error ?? err.code) : 'UNKNOWN'
    counts.lost++
    counts.errors[code] = (counts.errors[code] ?? 0) + 1
    return await reply.code(502).send({ ok: false, error: code })
  }
})

app.get('/_naive/stats', async () => counts)

await app.listen({ port: 0, host: '127.0.0.1' })
const address = app.server.address()
process.stdout.write(JSON.stringify({
  msg: 'naive ready', time: Date.now(), port: typeof address === 'object' && address !== null ? address.port : 0
}) + '\n')
process.once('SIGTERM', () => { void app.close().then(async () => { await client.close(); process.exit(0) }) })
