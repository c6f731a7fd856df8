/**
 * The REST webhook transport. Per claim: records whose earlier attempt may have landed are looked
 * up by ORIGIN_ID; the rest are prepared one by one (a submission without extras is just its
 * crm.lead.add), then their plans are packed into batches of at most 50 commands (add + follow-ups
 * with `$result[...]` references); files follow, one guarded call each; then each submission is
 * completed with its lead id (and deal id when there is one). File links are never fetched here:
 * a submission whose links are not ready waits in the file gate.
 */
import type { BitrixClient } from '../../bitrix/client.ts'
import { classifyCommandError } from '../../bitrix/classify.ts'
import { dealOfLead, findByOrigin } from '../../bitrix/crm-extras.ts'
import { MAX_BATCH_COMMANDS } from '../../bitrix/batch.ts'
import { BitrixError } from '../../bitrix/errors.ts'
import type { LeadExtras } from '../../domain/lead-extras.ts'
import { pauseEvery } from '../../event-loop/next-turn.ts'
import type { Outbox } from '../../outbox/types.ts'
import { afterAdd, attachFiles, type Target } from '../file-steps.ts'
import { planCommands, readPlan, type Plan } from '../lead-plan.ts'
import type { Rich } from '../file-gate.ts'
import { prepare, type PrepareDeps } from '../rich-prepare.ts'
import type { Stored } from '../stored-payload.ts'
import type { RestOps } from './rest-ops.ts'
import type { DeliveryTransport, LaneOps } from './transport.ts'

const entityOf = (extras: LeadExtras): 'lead' | 'deal' => extras.entity === 'deal' ? 'deal' : 'lead'

async function finish (r: Rich, target: Target, ops: RestOps, deps: PrepareDeps, recovered: boolean, dealId?: number): Promise<void> {
  if (r.extras.files !== undefined && !await attachFiles(r.c, r.extras.files, r.files ?? [], target, ops, deps.form(r.c.formId))) return
  await ops.delivered(r.c, target.id, recovered, dealId)
}

/**
 * Outcome unknown: the record may exist. Found ones only get their guarded file steps and are
 * done; the ids of the rest come back, to be sent. A failed look-up settles every submission of
 * the claim (the portal just failed a call: nothing more is sent this turn) and gives undefined.
 */
async function recover (items: Rich[], ops: RestOps, deps: PrepareDeps): Promise<Set<string> | undefined> {
  const rest = new Set<string>()
  const done = new Set<string>()
  const unknown = items.filter(r => r.c.outcomeUnknown)
  for (const entity of ['lead', 'deal'] as const) {
    const group = unknown.filter(r => entityOf(r.extras) === entity)
    if (group.length === 0) continue
    const live = items.filter(r => !done.has(r.c.id)).map(r => r.c)
    const found = await ops.call(live, async () => await findByOrigin(ops.client.call, entity, ops.originatorId, group.map(r => r.c.id)),
      `crm.${entity}.list`)
    if (found === undefined) return undefined
    for (const r of group) {
      const id = found.get(r.c.id)
      if (id === undefined) { rest.add(r.c.id); continue }
      done.add(r.c.id)
      let dealId: number | undefined = entity === 'deal' ? id : undefined
      if (entity === 'lead' && deps.findConvertedDeal(r)) {
        const deal = await afterAdd(r.c, ops, async () => await dealOfLead(ops.client.call, id))
        if (deal.status === 'settled') continue
        if (deal.status === 'ok') dealId = deal.value
      }
      await finish(r, { entity, id }, ops, deps, true, dealId)
    }
  }
  return rest
}

/** Plans packed into batches: a plan is never split, a batch never passes 50 commands. */
function pack (plans: Plan[], registerSonetEvent: boolean): Plan[][] {
  const batches: Plan[][] = []
  let current: Plan[] = []
  let size = 0
  for (const plan of plans) {
    // Keys carry the plan's index in its batch; the count does not depend on it.
    const n = planCommands(plan, 0, registerSonetEvent).length
    if (size + n > MAX_BATCH_COMMANDS) { batches.push(current); current = []; size = 0 }
    current.push(plan)
    size += n
  }
  if (current.length > 0) batches.push(current)
  return batches
}

async function send (batch: Plan[], byId: Map<string, Rich>, ops: RestOps, deps: PrepareDeps): Promise<void> {
  const commands = batch.flatMap((plan, i) => planCommands(plan, i, ops.registerSonetEvent))
  ops.batchSent(commands.length)
  const reply = await ops.call(batch.map(p => p.c), async () => await ops.client.batch(commands, { halt: false }))
  if (reply === undefined) return
  let rateLimited = false
  const reports: Array<Promise<void>> = []
  for (const [i, plan] of batch.entries()) {
    const { c } = plan
    const outcome = readPlan(plan, i, reply)
    const r = byId.get(c.id)
    if (outcome.status === 'failed') {
      // Each command is judged on its own: one bad lead does not fail the others.
      const err = classifyCommandError(outcome.error, outcome.method)
      if (err.kind === 'rate_limit') rateLimited = true
      reports.push(ops.settle(c, ops.decideFor(c, err)))
    } else if (outcome.status === 'unknown') {
      // Neither a result nor an error: the add's fate is not known; look it up next time.
      const unknown = new BitrixError({
        kind: 'bad_reply',
        message: 'no result for this command',
        retryable: true,
        outcomeUnknown: true,
        method: `crm.${plan.entity}.add`
      })
      reports.push(ops.settle(c, ops.decideFor(c, unknown)))
    } else if (r !== undefined) {
      if (outcome.problems.length > 0) {
        ops.log.warn({ portalId: ops.portalId, submissionId: c.id, id: outcome.id, problems: outcome.problems },
          'record added; some follow-ups were refused')
      }
      // Without files a submission is done here; the reports of one slice (ten leads) share one group commit in the outbox.
      const done = finish(r, { entity: plan.entity, id: outcome.id }, ops, deps, false, outcome.dealId)
      if (r.extras.files === undefined) reports.push(done)
      else await done
    }
    await pauseEvery(i)
  }
  await Promise.all(reports)
  if (rateLimited) ops.penalize()
}

async function deliverRest (stored: Stored[], ops: RestOps, deps: PrepareDeps): Promise<void> {
  // Links still being fetched wait in the gate, leased, while this claim goes on without them.
  const readable = deps.gate.sort(stored, deps.leaseMs, ops.log, formId => deps.form(formId).links)
  if (readable.length === 0) return
  let toSend: Set<string> | undefined
  if (readable.some(r => r.c.outcomeUnknown)) {
    toSend = await recover(readable, ops, deps)
    if (toSend === undefined) return
  }
  const pending = readable.filter(r => !r.c.outcomeUnknown || toSend?.has(r.c.id) === true)
  const plans: Plan[] = []
  for (const [i, r] of pending.entries()) {
    const prepared = await prepare(r, ops, deps)
    if (prepared.kind === 'plan') plans.push(prepared.plan)
    await pauseEvery(i)
  }
  const byId = new Map(pending.map(r => [r.c.id, r]))
  for (const batch of pack(plans, ops.registerSonetEvent)) await send(batch, byId, ops, deps)
}

export interface RestTransportDeps extends PrepareDeps {
  client: BitrixClient
  originatorId: string
  registerSonetEvent: boolean
  outbox: Pick<Outbox, 'get'>
}

export function createRestTransport (deps: RestTransportDeps): DeliveryTransport {
  return {
    probe: async () => { await deps.client.call('crm.lead.fields', {}) },
    deliver: async (items: Stored[], lane: LaneOps) => {
      const ops: RestOps = {
        ...lane,
        client: deps.client,
        originatorId: deps.originatorId,
        registerSonetEvent: deps.registerSonetEvent,
        outbox: deps.outbox
      }
      await deliverRest(items, ops, deps)
    },
    resume: () => deps.gate.resume(),
    drain: () => deps.gate.drain(),
    describe: () => deps.client.describe(),
    close: async () => { await deps.client.close() }
  }
}
