/** Control and inspection routes under /_emulator (outside /rest, no auth, no bucket, no faults). */
import type { FastifyInstance } from 'fastify'
import { parseFaultConfig } from './fault-schema.ts'
import { isRecord } from './request-params.ts'
import { tracesOf } from './methods/tracking.ts'
import type { PortalState } from './state.ts'
import type { StoredLead, StoredTrace } from './types.ts'

export function registerInspectRoutes (app: FastifyInstance, state: PortalState): void {
  // A lead with Sales Intelligence data shows its traces beside its fields, whichever way they came.
  const withTraces = (lead: StoredLead): StoredLead & { traces?: StoredTrace[] } => {
    const traces = tracesOf(state, 'LEAD', lead.ID)
    return traces.length > 0 ? { ...lead, traces } : lead
  }

  app.get('/_emulator/leads', async () => state.leads().map(withTraces))

  app.get<{ Params: { id: string } }>('/_emulator/leads/:id', async (request, reply) => {
    const lead = state.lead(Number(request.params.id))
    return lead !== undefined ? withTraces(lead) : reply.code(404).send({ error: 'NOT_FOUND', error_description: 'No such lead' })
  })

  app.get('/_emulator/traces', async () => [...state.crm.traces.values()])

  app.get('/_emulator/stats', async () => state.stats())

  app.get('/_emulator/contacts', async () => state.crm.list('contact'))
  app.get('/_emulator/companies', async () => state.crm.list('company'))
  app.get('/_emulator/deals', async () => state.crm.list('deal'))
  app.get('/_emulator/comments', async () => [...state.crm.comments.values()].map(c => ({
    ...c,
    FILES: c.FILES.map(id => {
      const f = state.crm.files.get(id)
      return { id, name: f?.name, size: f?.size }
    })
  })))
  app.get<{ Params: { id: string } }>('/_emulator/files/:id', async (request, reply) => {
    const file = state.crm.files.get(Number(request.params.id))
    if (file === undefined) return reply.code(404).send({ error: 'NOT_FOUND', error_description: 'No such file' })
    return reply
      .header('content-disposition', `attachment; filename="${encodeURIComponent(file.name)}"`)
      .type('application/octet-stream')
      .send(Buffer.from(file.content, 'base64'))
  })

  app.get('/_emulator/status', async () => ({
    revoked: state.revoked,
    scopes: [...state.scopes],
    faults: state.faults.current,
    bucketLevel: state.bucket.current(),
    crmMode: state.crmMode,
    blocked: Object.fromEntries(state.blocked),
    leads: state.leads().length
  }))

  app.post('/_emulator/reset', async () => {
    state.reset()
    return { ok: true }
  })

  app.post('/_emulator/faults', async (request, reply) => {
    try {
      state.faults.set(parseFaultConfig(request.body ?? {}))
      return { ok: true, faults: state.faults.current }
    } catch (err) {
      return reply.code(400).send({ error: 'INVALID_FAULTS', error_description: (err as Error).message })
    }
  })

  app.post('/_emulator/crm-mode', async (request, reply) => {
    const mode = isRecord(request.body) ? request.body.mode : undefined
    if (mode !== 1 && mode !== 2) {
      return reply.code(400).send({ error: 'INVALID_MODE', error_description: 'Send {"mode": 1} or {"mode": 2}' })
    }
    state.crmMode = mode
    return { ok: true, mode }
  })

  app.post('/_emulator/webhook/revoke', async () => {
    state.revoked = true
    return { ok: true }
  })

  app.post('/_emulator/webhook/restore', async () => {
    state.revoked = false
    return { ok: true }
  })

  // {"method": "crm.lead.add", "until": <unix ms>}: blocked by the operating-time limit until then; until 0 lifts it.
  app.post('/_emulator/block', async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {}
    const { method, until } = body
    if (typeof method !== 'string' || method === '' || typeof until !== 'number' || !Number.isFinite(until)) {
      const hint = 'Send {"method": "crm.lead.add", "until": <unix ms, 0 to lift>}'
      return reply.code(400).send({ error: 'INVALID_BLOCK', error_description: hint })
    }
    if (until > 0) state.blocked.set(method.toLowerCase(), until)
    else state.blocked.delete(method.toLowerCase())
    return { ok: true, method, until }
  })

  app.post('/_emulator/scopes', async (request, reply) => {
    const scopes = isRecord(request.body) ? request.body.scopes : undefined
    if (!Array.isArray(scopes) || !scopes.every(s => typeof s === 'string')) {
      return reply.code(400).send({ error: 'INVALID_SCOPES', error_description: 'Send {"scopes": ["crm", ...]}' })
    }
    state.scopes = new Set(scopes)
    return { ok: true, scopes }
  })
}
