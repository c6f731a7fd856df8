/**
 * The rich path: submissions with extras (duplicates, deal, timeline, rotation, list fields,
 * product, files). Per claim: records whose earlier attempt may have landed are looked up by
 * ORIGIN_ID; the rest are prepared one by one, then their plans are packed into batches of at most
 * 50 commands (add + follow-ups with `$result[...]` references); files follow, one guarded call
 * each; then each submission is completed with its lead id (and deal id when there is one). File
 * links are never fetched here: a submission whose links are not ready waits in the file gate.
 */
import { classifyCommandError } from '../bitrix/classify.ts'
import { dealOfLead, findByOrigin } from '../bitrix/crm-extras.ts'
import { BitrixError } from '../bitrix/errors.ts'
import type { LeadExtras } from '../bitrix/lead-extras.ts'
import { afterAdd, attachFiles, type Target } from './file-steps.ts'
import type { LaneOps } from './lane-ops.ts'
import { planCommands, readPlan, type Plan } from './lead-plan.ts'
import { prepare, type PrepareDeps, type Rich } from './rich-prepare.ts'
import type { Stored } from './stored-payload.ts'

export const BATCH_COMMANDS = 50

const entityOf = (extras: LeadExtras): 'lead' | 'deal' => extras.entity === 'deal' ? 'deal' : 'lead'

async function finish (r: Rich, target: Target, ops: LaneOps, deps: PrepareDeps, recovered: boolean, dealId?: number): Promise<void> {
  if (r.extras.files !== undefined && !await attachFiles(r.c, r.extras.files, r.files ?? [], target, ops, deps.form(r.c.formId))) return
  await ops.delivered(r.c, target.id, recovered, dealId)
}

/** Outcome unknown: the record may exist. Found ones only get their guarded file steps; the rest go on. */
async function recover (items: Rich[], ops: LaneOps, deps: PrepareDeps): Promise<Rich[]> {
  const rest: Rich[] = []
  for (const entity of ['lead', 'deal'] as const) {
    const group = items.filter(r => entityOf(r.extras) === entity)
    if (group.length === 0) continue
    const found = await ops.call(group.map(r => r.c), async () => await findByOrigin(ops.client.call, entity, ops.originatorId, group.map(r => r.c.id)), `crm.${entity}.list`)
    if (found === undefined) continue
    for (const r of group) {
      const id = found.get(r.c.id)
      if (id === undefined) { rest.push(r); continue }
      let dealId: number | undefined = entity === 'deal' ? id : undefined
      if (entity === 'lead' && deps.findConvertedDeal) {
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
    if (size + n > BATCH_COMMANDS) { batches.push(current); current = []; size = 0 }
    current.push(plan)
    size += n
  }
  if (current.length > 0) batches.push(current)
  return batches
}

async function send (batch: Plan[], byId: Map<string, Rich>, ops: LaneOps, deps: PrepareDeps): Promise<void> {
  const commands = batch.flatMap((plan, i) => planCommands(plan, i, ops.registerSonetEvent))
  const reply = await ops.call(batch.map(p => p.c), async () => await ops.client.batch(commands, { halt: false }))
  if (reply === undefined) return
  let rateLimited = false
  for (const [i, plan] of batch.entries()) {
    const { c } = plan
    const outcome = readPlan(plan, i, reply)
    if (outcome.status === 'failed') {
      const err = classifyCommandError(outcome.error, outcome.method)
      if (err.kind === 'rate_limit') rateLimited = true
      await ops.settle(c, ops.decideFor(c, err))
    } else if (outcome.status === 'unknown') {
      // Neither a result nor an error: the add's fate is not known; look it up next time.
      await ops.settle(c, ops.decideFor(c, new BitrixError({ kind: 'bad_reply', message: 'no result for this command', retryable: true, outcomeUnknown: true, method: `crm.${plan.entity}.add` })))
    } else {
      if (outcome.problems.length > 0) {
        ops.log.warn({ portalId: ops.portalId, submissionId: c.id, id: outcome.id, problems: outcome.problems }, 'record added; some follow-ups were refused')
      }
      await finish(byId.get(c.id) as Rich, { entity: plan.entity, id: outcome.id }, ops, deps, false, outcome.dealId)
    }
  }
  if (rateLimited) ops.penalize()
}

export async function deliverRich (parsed: Stored[], ops: LaneOps, deps: PrepareDeps): Promise<void> {
  // Links still being fetched wait in the gate, leased, while this claim goes on without them.
  const readable = deps.gate.sort(parsed, deps.leaseMs, ops.log, formId => deps.form(formId).links)
  const unknown = readable.filter(r => r.c.outcomeUnknown)
  const pending = [...readable.filter(r => !r.c.outcomeUnknown), ...(unknown.length > 0 ? await recover(unknown, ops, deps) : [])]
  const plans: Plan[] = []
  for (const r of pending) {
    const prepared = await prepare(r, ops, deps)
    if (prepared.kind === 'plan') plans.push(prepared.plan)
  }
  const byId = new Map(pending.map(r => [r.c.id, r]))
  for (const batch of pack(plans, ops.registerSonetEvent)) await send(batch, byId, ops, deps)
}
