/** Writes bench/RESULTS.md: the machine, each figure as the median of the runs, comparisons as ratios, targets ✓/✗. */
import { startFlags } from './lib/servers.ts'
import type { Machine } from './lib/machine.ts'
import type { RedisProbe } from './lib/redis.ts'
import { median } from './lib/stats.ts'
import { drainTheorySeconds, type Settings } from './lib/settings.ts'
import type { DrainRun } from './scenarios/drain.ts'
import type { FloodRun } from './scenarios/flood.ts'
import type { IntakeRun, IntakeTargetKey } from './scenarios/intake.ts'
import type { SpikeRun } from './scenarios/spike.ts'
import type { StartupRun } from './scenarios/startup.ts'

export interface Results {
  settings: Settings
  machine: Machine
  redis: RedisProbe
  intake?: Map<IntakeTargetKey, IntakeRun[]>
  drain?: DrainRun[]
  spike?: SpikeRun[]
  start?: StartupRun[]
  flood?: FloodRun
  failures: Record<string, string>
  totalSeconds: number
}

const LABELS: Record<IntakeTargetKey, string> = {
  bare: 'bare Fastify + @fastify/formbody',
  'relay-full': 'relay, SQLite, durability `full` (default)',
  'relay-relaxed': 'relay, SQLite, durability `relaxed`',
  'relay-redis': 'relay, Redis outbox'
}

const int = (n: number): string => Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a'
const ms = (n: number): string => Number.isFinite(n) ? n.toFixed(n < 10 ? 2 : 1) : 'n/a'
const sec = (n: number): string => Number.isFinite(n) ? n.toFixed(1) : 'n/a'
const pct = (n: number): string => Number.isFinite(n) ? `${Math.round(n * 100)}%` : 'n/a'
const times = (n: number): string => Number.isFinite(n) ? `${n >= 10 ? Math.round(n) : n.toFixed(1)}×` : 'n/a'
const mark = (ok: boolean | undefined): string => ok === undefined ? '— not measured' : ok ? '✓' : '✗'

/** The median, with the range when there are several runs: "4,812 (4,700–4,900)". */
function fig (values: number[], fmt: (n: number) => string): string {
  const m = fmt(median(values))
  if (values.length < 2) return m
  const finite = values.filter(Number.isFinite)
  if (finite.length === 0) return m
  const lo = fmt(Math.min(...finite))
  const hi = fmt(Math.max(...finite))
  return lo === hi ? m : `${m} <sub>(${lo}–${hi})</sub>`
}

/** Per-run ratios, paired by run index, so drift during the session cancels out. */
function ratios (a: number[], b: number[]): number[] {
  return a.map((v, i) => v / (b[i] ?? Number.NaN))
}

interface Target { name: string, measured: string, ok: boolean | undefined }

const missing = (r: Results, scenario: string): string => r.failures[scenario] !== undefined ? 'scenario failed' : 'not run'
const notMeasured = (r: Results, scenario: string): string => {
  const failure = r.failures[scenario]
  return failure !== undefined ? `**Failed**: ${failure.split('\n')[0] ?? ''}` : 'Not run this time (`--only`).'
}

export function renderResults (r: Results): string {
  const s = r.settings
  const out: string[] = []
  const targets: Target[] = []
  const push = (...lines: string[]): void => { out.push(...lines) }

  // Sections first (they also fill `targets`), then the page is assembled with the targets on top.
  const intake = intakeSection(r, targets)
  const drain = drainSection(r, targets)
  const spike = spikeSection(r, targets)
  const memory = memorySection(r, targets)
  const flood = floodSection(r, targets)

  push('# Benchmark results', '')
  push(`Measured by \`npm run bench${s.mode === 'quick' ? ' -- --quick' : ''}\` on ${r.machine.date.slice(0, 10)}, everything on one ` +
    `machine in one run (${sec(r.totalSeconds / 60)} min). Each figure is the **median of ${s.runs} run${s.runs === 1 ? '' : 's'}**` +
    `${s.runs > 1 ? ', with the range of the runs in brackets' : ''}; the start time is the median of ${s.startRuns} starts. ` +
    'Comparisons are ratios of the medians of per-run pairs measured back to back.')
  if (s.mode === 'quick') {
    push('', '> **Quick mode**: short runs and a small backlog, to prove the suite works. These numbers are not the reference; see ' +
      'bench/RESULTS.md.')
  }
  push('', 'Other processes may share the machine while it runs (load average when the run started: ' +
    `${r.machine.loadAverage.join(', ')}), so treat small differences as noise.`, '')
  push(
    '## Machine',
    '',
    '| CPU | Cores | Memory | OS | Node.js | fastify | better-sqlite3 | autocannon |',
    '|---|---|---|---|---|---|---|---|'
  )
  push(`| ${r.machine.cpuModel} | ${r.machine.cores} | ${r.machine.memoryGb} GB | ${r.machine.os} | ${r.machine.node} | ` +
    `${r.machine.versions.fastify} | ${r.machine.versions['better-sqlite3']} | ${r.machine.versions.autocannon} |`, '')

  push('## Targets', '', '| Target | Measured | Met |', '|---|---|---|')
  for (const t of targets) push(`| ${t.name} | ${t.measured} | ${mark(t.ok)} |`)
  push('')
  if (Object.keys(r.failures).length > 0) {
    push('## Failed scenarios', '')
    for (const [name, message] of Object.entries(r.failures)) push(`- **${name}**: ${message.split('\n')[0]}`)
    push('')
  }
  push(...intake, ...drain, ...spike, ...memory, ...flood)
  push(...methodSection(r))
  return out.join('\n') + '\n'
}

function intakeSection (r: Results, targets: Target[]): string[] {
  const s = r.settings.intake
  const out = ['## 1. Intake', '',
    `\`POST /f/default\` with a ${'urlencoded'} contact form (7 fields, Cyrillic text, every body unique so none is a double submit), ` +
    `${s.connections} connections, ${s.seconds} s measured after ${s.warmupSeconds} s of warm-up (JIT, and the relay's first burst of ` +
    'deliveries), each server started fresh in its own process. ' +
    `The relay is the built \`dist/src/server.js\`, started with the Node flags of \`npm start\` (${startFlags().join(' ') || 'none'}), ` +
    'with its delivery worker on, delivering to the emulator (rate limit on, 50 then 2/s) while the load runs. ' +
    'Latency is every response\'s time as autocannon measured it.', '']
  if (r.intake === undefined) {
    targets.push({ name: 'Intake (default durability) ≥ 50% of bare Fastify, req/s', measured: missing(r, 'intake'), ok: undefined },
      { name: `Intake p99 < 10 ms at ${s.connections} connections (default durability)`, measured: missing(r, 'intake'), ok: undefined })
    return [...out, notMeasured(r, 'intake'), '']
  }
  const bare = r.intake.get('bare') ?? []
  out.push(
    '| Server | Requests/s | vs bare Fastify | p50 ms | p99 ms | max ms | Failed | Server CPU | CPU per request, µs |',
    '|---|---|---|---|---|---|---|---|---|'
  )
  for (const [key, runs] of r.intake) {
    const rps = runs.map(x => x.rps)
    const vs = key === 'bare' ? '1.00' : fig(ratios(rps, bare.map(x => x.rps)), n => n.toFixed(2))
    out.push(`| ${LABELS[key]} | ${fig(rps, int)} | ${vs} | ${fig(runs.map(x => x.p50), ms)} | ${fig(runs.map(x => x.p99), ms)} | ` +
      `${fig(runs.map(x => x.max), ms)} | ${int(runs.reduce((a, x) => a + x.failed, 0))} | ${fig(runs.map(x => x.cpu), pct)} | ` +
      `${fig(runs.map(x => x.cpuPerRequestUs), int)} |`)
  }
  out.push('')
  if (!r.redis.ok) {
    out.push(`Redis outbox: not measured — opening \`${r.redis.base}\` through src/outbox/open.ts failed ("${r.redis.reason}").`, '')
  } else {
    out.push(`Redis outbox: the local Redis at ${r.redis.base.replace(/\/\/[^@/]*@/, '//')} (${r.redis.persistence}), keys under a ` +
      'prefix of the run\'s own, deleted afterwards.', '')
  }
  out.push('"Server CPU" is the share of one core the server process used during the measured window (from /proc): ' +
    'near 100% means the server was the limit; well below means it waited (on fsync, or for a core the machine did not give it). ' +
    'The relay with SQLite writes on a thread of its own (the writer thread), and V8 collects garbage on background threads, ' +
    'so it can pass 100%. "CPU per request" is that CPU time, all threads, divided by the requests answered; ' +
    'it varies less with what else the machine runs than requests/s do.', '')
  const full = r.intake.get('relay-full') ?? []
  const ratio = median(ratios(full.map(x => x.rps), bare.map(x => x.rps)))
  const p99 = median(full.map(x => x.p99))
  const cpuRelay = median(full.map(x => x.cpuPerRequestUs))
  const cpuBare = median(bare.map(x => x.cpuPerRequestUs))
  if (Number.isFinite(cpuRelay) && Number.isFinite(cpuBare)) {
    out.push('Reading the table:', '',
      `- The relay (default durability) spends ${int(cpuRelay)} µs of CPU per request, bare Fastify ${int(cpuBare)} µs: on the same ` +
      `core the relay can answer at most about ${pct(cpuBare / cpuRelay)} of what bare Fastify answers, whatever else happens.`,
      `- ${s.connections} connections that each wait for their answer keep ${s.connections} requests in flight, so the mean latency is ` +
      `about ${s.connections} ÷ requests per second (Little's law): ${int(median(full.map(x => x.rps)))} req/s means about ` +
      `${ms(s.connections / median(full.map(x => x.rps)) * 1000)} ms. A p99 under 10 ms at ${s.connections} connections needs well over ` +
      `${int(s.connections / 0.01)} req/s.`,
      `- What a flood costs: at ${int(cpuRelay)} µs per submission, 1,000 posts per second take about ` +
      `${pct(cpuRelay / 1000)} of one core ` +
      `(every one fsynced before its answer), and one core's worth of CPU takes about ${int(1e6 / cpuRelay)} posts per second.`, '')
  }
  targets.push({
    name: 'Intake (default durability) ≥ 50% of bare Fastify, req/s',
    measured: pct(ratio),
    ok: Number.isFinite(ratio) ? ratio >= 0.5 : undefined
  })
  targets.push({
    name: `Intake p99 < 10 ms at ${s.connections} connections (default durability)`,
    measured: `${ms(p99)} ms`,
    ok: Number.isFinite(p99) ? p99 < 10 : undefined
  })
  return out
}

function drainSection (r: Results, targets: Target[]): string[] {
  const s = r.settings.drain
  const theory = drainTheorySeconds(s.backlog, s, r.settings.batchSize)
  const calls = Math.ceil(s.backlog / r.settings.batchSize)
  const out = ['## 2. Drain', '',
    `A backlog of ${int(s.backlog)} submissions, accepted through the intake with delivery off, then delivered by the relay (delivery ` +
    `worker on) to the emulator at burst ${s.burst} / drain ${s.drainPerSecond}/s. Theory: ${calls} batch calls ` +
    `of ${r.settings.batchSize}, ${s.burst} at once and then ${s.drainPerSecond} per second = **${sec(theory)} s**. The relay's time ` +
    'runs from its "relay ready" line to the last "lead delivered" line, both on its own clock.', '',
    `The naive relay (bench/naive-relay.ts) gets the same ${int(s.backlog)} submissions over ${s.connections} connections and calls ` +
    'crm.lead.add once per submission while the request waits, without retry, as the WordPress plugins do; a refused call is a lost ' +
    'lead.', '']
  if (r.drain === undefined) {
    targets.push({ name: 'Drain within 10% of the leaky bucket\'s time', measured: missing(r, 'drain'), ok: undefined })
    return [...out, notMeasured(r, 'drain'), '']
  }
  const d = r.drain
  const relayRate = d.map(x => x.relay.delivered / x.relay.seconds)
  const naiveRate = d.map(x => x.naive.delivered / x.naive.seconds)
  out.push('| | Relay | Naive relay | Relay ÷ naive |', '|---|---|---|---|')
  out.push(`| Time to get through the backlog, s | ${fig(d.map(x => x.relay.seconds), sec)} | ${fig(d.map(x => x.naive.seconds), sec)} ` +
    `| ${fig(ratios(d.map(x => x.relay.seconds), d.map(x => x.naive.seconds)), times)} |`)
  out.push(`| Leads in Bitrix24 | ${fig(d.map(x => x.relay.delivered), int)} | ${fig(d.map(x => x.naive.delivered), int)} | ` +
    `${fig(ratios(d.map(x => x.relay.delivered), d.map(x => x.naive.delivered)), times)} |`)
  out.push(`| Leads lost | ${fig(d.map(x => s.backlog - x.relay.delivered), int)} | ${fig(d.map(x => x.naive.lost), int)} | |`)
  out.push(`| Leads delivered per second | ${fig(relayRate, n => n.toFixed(1))} | ${fig(naiveRate, n => n.toFixed(1))} ` +
    `| ${fig(ratios(relayRate, naiveRate), times)} |`)
  out.push(`| Duplicate leads | ${fig(d.map(x => x.relay.duplicates), int)} | — | |`)
  out.push(`| Relay CPU per delivered lead, µs | ${fig(d.map(x => x.relay.cpuPerLeadUs), int)} | — | |`)
  out.push(`| Portal calls | ${fig(d.map(x => x.relay.portalCalls), int)} | ${fig(d.map(x => x.naive.portalCalls), int)} | |`)
  out.push(`| QUERY_LIMIT_EXCEEDED answers | ${fig(d.map(x => x.relay.queryLimitExceeded), int)} ` +
    `| ${fig(d.map(x => x.naive.queryLimitExceeded), int)} | |`)
  const over = median(d.map(x => x.relay.seconds / theory - 1))
  out.push('', `Relay against theory: ${sec(median(d.map(x => x.relay.seconds)))} s for ${sec(theory)} s,` +
    ` ${over >= 0 ? '+' : ''}${(over * 100).toFixed(1)}%. The relay keeps one slot of the bucket free (headroom 1), so it starts ` +
    `with ${s.burst - 1} calls, not ${s.burst}.`)
  const perLead = Math.max(0, s.backlog - s.burst) / s.drainPerSecond
  out.push('', 'For scale (computed, not measured): a relay that makes one call per lead and never loses one must pace itself to the ' +
    `same bucket, ${int(s.backlog)} calls = ${int(perLead)} s.`, '')
  targets.push({
    name: 'Drain within 10% of the leaky bucket\'s time',
    measured: `${(over * 100).toFixed(1)}% (${sec(median(d.map(x => x.relay.seconds)))} s for ${sec(theory)} s)`,
    ok: Number.isFinite(over) ? Math.abs(over) <= 0.1 : undefined
  })
  out.push(...redisDrainLines(d, s.backlog, theory, targets))
  return out
}

function redisDrainLines (d: DrainRun[], backlog: number, theory: number, targets: Target[]): string[] {
  const runs = d.flatMap(x => x.redis === undefined ? [] : [x.redis])
  const name = 'Redis: two relays drain the backlog ≤ 1.1 × the bucket\'s time, 0 QUERY_LIMIT_EXCEEDED'
  if (runs.length === 0) {
    targets.push({ name, measured: 'not measured (no Redis)', ok: undefined })
    return []
  }
  const out = ['### Two relays on one Redis', '',
    `The same ${int(backlog)} submissions in one Redis outbox, delivered by two relays whose shared limiter (one GCRA bucket in Redis) ` +
    'stands for the portal\'s. The time runs from the first relay\'s "relay ready" to the last lead either of them delivered.', '',
    '| | Two relays, Redis |', '|---|---|',
    `| Time to get through the backlog, s | ${fig(runs.map(x => x.seconds), sec)} |`,
    `| Leads in Bitrix24 | ${fig(runs.map(x => x.delivered), int)} |`,
    `| Leads each relay delivered | ${runs.map(x => x.perRelay.join(' + ')).join('; ')} |`,
    `| Duplicate leads | ${fig(runs.map(x => x.duplicates), int)} |`,
    `| Portal calls | ${fig(runs.map(x => x.portalCalls), int)} |`,
    `| QUERY_LIMIT_EXCEEDED answers | ${fig(runs.map(x => x.queryLimitExceeded), int)} |`, '']
  const ratio = median(runs.map(x => x.seconds)) / theory
  const limited = Math.max(...runs.map(x => x.queryLimitExceeded))
  const lost = Math.max(...runs.map(x => backlog - x.delivered))
  targets.push({
    name,
    measured: `${ratio.toFixed(2)}× (${sec(median(runs.map(x => x.seconds)))} s for ${sec(theory)} s), ${limited} QUERY_LIMIT_EXCEEDED,` +
      ` ${lost} lost`,
    ok: Number.isFinite(ratio) ? ratio <= 1.1 && limited === 0 && lost === 0 : undefined
  })
  return out
}

function spikeSection (r: Results, targets: Target[]): string[] {
  const s = r.settings.spike
  const out = ['## 3. Spike', '',
    `${int(s.submissions)} submissions in ${s.seconds} s, one every ${ms(1000 / (s.submissions / s.seconds))} ms whatever the answers ` +
    `do (an open loop, as visitors arrive; up to ${s.connections} keep-alive connections), while the portal is ` +
    `already rate-limited: another client used up the emulator's bucket (burst ${s.burst}, ${s.drainPerSecond}/s) just before. ` +
    `Each server has answered ${int(s.warmup)} submissions first (the relay delivered its own, then both portals forgot them): ` +
    'a spike meets a relay that has been up; what a start costs the first visitors is in section 4. ' +
    'Latency runs from the send of each submission to its answer. ' +
    'The relay is then given time to deliver what it accepted. "Lost" counts every submission that did not become a lead in the end. ' +
    'The naive relay answers 502 when its call was refused (a plugin usually shows "sent" anyway; the lead is lost either way). ' +
    'The emulator answers in about a millisecond; a real portal takes 200 ms to seconds, which the naive relay\'s visitors would wait ' +
    'on top.', '']
  if (r.spike === undefined) {
    targets.push({ name: 'Spike: visitor p99 < 15 ms, and not above the naive relay\'s', measured: missing(r, 'spike'), ok: undefined })
    targets.push({ name: '0 leads lost in the spike (every run)', measured: missing(r, 'spike'), ok: undefined })
    return [...out, notMeasured(r, 'spike'), '']
  }
  const k = r.spike
  const row = (name: string, a: number[], b: number[], f: (n: number) => string): string => `| ${name} | ${fig(a, f)} | ${fig(b, f)} |`
  out.push('| | Relay | Naive relay |', '|---|---|---|')
  out.push(row('Visitor latency p50, ms', k.map(x => x.relay.p50), k.map(x => x.naive.p50), ms))
  out.push(row('Visitor latency p99, ms', k.map(x => x.relay.p99), k.map(x => x.naive.p99), ms))
  out.push(row('Visitor latency max, ms', k.map(x => x.relay.max), k.map(x => x.naive.max), ms))
  out.push(row('Answered 2xx', k.map(x => x.relay.accepted), k.map(x => x.naive.accepted), int))
  out.push(row('Leads in Bitrix24', k.map(x => x.relay.delivered), k.map(x => x.naive.delivered), int))
  out.push(row('**Leads lost**', k.map(x => x.relay.lost), k.map(x => x.naive.lost), int))
  out.push(row('Duplicate leads', k.map(x => x.relay.duplicates), k.map(x => x.naive.duplicates), int))
  out.push(
    `| Every lead in Bitrix24 after, s (from the first submission) | ${fig(k.map(x => x.relay.secondsToDeliverAll), sec)} | — |`,
    ''
  )
  const lost = Math.max(...k.map(x => x.relay.lost))
  const p99 = median(k.map(x => x.relay.p99))
  const naiveP99 = median(k.map(x => x.naive.p99))
  targets.push({
    name: 'Spike: visitor p99 < 15 ms, and not above the naive relay\'s',
    measured: `${ms(p99)} ms (naive relay: ${ms(naiveP99)} ms)`,
    ok: p99 < 15 && p99 <= naiveP99
  })
  targets.push({
    name: '0 leads lost in the spike (every run)',
    measured: `${int(lost)} (naive relay: ${int(median(k.map(x => x.naive.lost)))})`,
    ok: lost === 0
  })
  return out
}

function memorySection (r: Results, targets: Target[]): string[] {
  const out = ['## 4. Memory and start', '']
  const full = r.intake?.get('relay-full')
  if (full !== undefined) {
    out.push('Resident memory (VmRSS from /proc) of the server process: idle is 1 s after start, under load is the peak of samples ' +
      'every 100 ms during the measured intake window.', '')
    out.push('| Server | RSS idle, MB | RSS peak under load, MB |', '|---|---|---|')
    for (const [key, runs] of r.intake ?? []) {
      out.push(`| ${LABELS[key]} | ${fig(runs.map(x => x.rssIdleMb), int)} | ${fig(runs.map(x => x.rssPeakMb), int)} |`)
    }
    out.push('')
  }
  const peaks = [
    ...(r.intake ?? new Map<IntakeTargetKey, IntakeRun[]>())
  ].filter(([k]) => k !== 'bare').flatMap(([, runs]) => runs.map(x => x.rssPeakMb))
  const peak = peaks.length === 0 ? Number.NaN : Math.max(...peaks)
  targets.push({
    name: 'Relay RSS < 150 MB under load (highest peak of any relay run)',
    measured: Number.isFinite(peak) ? `${int(peak)} MB` : missing(r, 'intake'),
    ok: Number.isFinite(peak) ? peak < 150 : undefined
  })
  if (r.start !== undefined) {
    const ready = r.start.map(x => x.readyMs)
    const m = median(ready)
    out.push('Start: from spawning `node dist/src/server.js` (fresh SQLite file: open, migrate, listen, start the worker) to its "relay ' +
      `ready" log line: **${int(m)} ms** (median of ${ready.length}; all: ${ready.map(int).join(', ')} ms). By then the process had ` +
      `used ${int(median(r.start.map(x => x.cpuMs)))} ms of CPU time on all its threads (V8 compiles and collects garbage on helper ` +
      'threads, so this can exceed the wall time).', '')
    const starts = r.start
    const nth = (i: number): number => median(starts.map(x => x.firstAnswersMs[i] ?? Number.NaN))
    const count = starts[0]?.firstAnswersMs.length ?? 0
    out.push(`The first visitors after a start: ${int(count)} submissions sent one after another right after the ready line ` +
      `(median of the starts), ms: ${Array.from({ length: count }, (_, i) => ms(nth(i))).join(', ')}. The relay runs each form's ` +
      'path once before it listens (src/process/warm-up.ts); what is left on the first answer is the HTTP stack, the hooks and ' +
      'the first store write, each compiled on first use, and the delivery worker starting its first batch beside it.', '')
    targets.push({ name: 'Ready in < 1 s', measured: `${int(m)} ms`, ok: m < 1000 })
  } else {
    targets.push({ name: 'Ready in < 1 s', measured: missing(r, 'start'), ok: undefined })
    out.push(`Start: ${notMeasured(r, 'start')}`, '')
  }
  return out
}

function floodSection (r: Results, targets: Target[]): string[] {
  const s = r.settings.flood
  const out = ['## 5. Flood', '',
    `${int(s.spam)} spam posts (about 1.5 KB each) from ${int(s.addresses)} addresses named by X-Forwarded-For behind a trusted proxy, ` +
    `interleaved with ${s.visitors} real visitors (one every ${int(Math.floor((s.spam + s.visitors) / s.visitors))} posts), ` +
    `${s.connections} at a time, against the relay with its default limits (20 per address and 300 per form per minute, ` +
    `a 10-minute quiet period before held submissions are released) and limits.storeBytes of ${int(s.storeBytes / 1048576)} MiB. ` +
    'Past the per-form limit submissions are stored held, never refused. The store size is sampled from /readyz every 200 ms.', '']
  const f = r.flood
  type Figure = [measured: string, ok: boolean | undefined]
  const realTargets = (refused: Figure, kept: Figure, store: Figure): void => {
    targets.push({ name: 'Flood: 0 real visitors refused', measured: refused[0], ok: refused[1] },
      { name: 'Flood: every real lead kept (delivered or held)', measured: kept[0], ok: kept[1] },
      { name: 'Flood: the store stays under limits.storeBytes', measured: store[0], ok: store[1] })
  }
  if (f === undefined) {
    const none: Figure = [missing(r, 'flood'), undefined]
    realTargets(none, none, none)
    return [...out, notMeasured(r, 'flood'), '']
  }
  const kept = f.visitorsDelivered + f.visitorsHeld + f.visitorsWaiting
  out.push('| | |', '|---|---|')
  out.push(`| Posts sent, s | ${int(f.spam + f.visitors)} in ${sec(f.seconds)} |`)
  const slash = (...n: number[]): string => n.map(int).join(' / ')
  out.push(`| Spam answered 2xx / 429 (address over its limit) / other | ${slash(f.spamAccepted, f.spamRateLimited, f.spamOther)} |`)
  out.push(`| **Real visitors refused** | ${int(f.visitorsRefused)} of ${f.visitors} |`)
  const where = slash(f.visitorsDelivered, f.visitorsHeld, f.visitorsWaiting, f.visitorsMissing)
  out.push(`| Real visitors delivered / held / on their way / missing | ${where} |`)
  out.push(`| Real visitors' latency p99, ms | ${ms(f.visitorP99Ms)} |`)
  out.push(`| Held at the end / delivered / leads in the portal | ${slash(f.heldAtEnd, f.deliveredAtEnd, f.leadsInPortal)} |`)
  out.push(
    `| Largest store size seen, MiB (limit) | ${(f.storeBytesMax / 1048576).toFixed(1)} (${int(f.storeLimitBytes / 1048576)}) |`,
    ''
  )
  const store = `${(f.storeBytesMax / 1048576).toFixed(1)} MiB of ${int(f.storeLimitBytes / 1048576)} MiB`
  realTargets([`${int(f.visitorsRefused)} of ${f.visitors}`, f.visitorsRefused === 0],
    [`${int(kept)} of ${f.visitors}`, kept === f.visitors], [store, f.storeBytesMax > 0 && f.storeBytesMax < f.storeLimitBytes])
  return out
}

function methodSection (r: Results): string[] {
  return ['## How it is measured', '',
    '- The runner (bench/run.ts) starts every server as a child process from the build (`dist/`), so the load generator ' +
    '(in the runner: autocannon for the intake and the drain, a client that sends at a steady rate for the spike) never ' +
    'shares an event loop with the server; the emulator runs in a third process. Everything talks over 127.0.0.1.',
    '- The relay runs with its defaults (log level info, JSON logs to a file, dedupe on) and a fresh store per run, in bench/tmp/.',
    '- The bare baseline (bench/servers/bare-fastify.ts) parses the same body with @fastify/formbody and answers 202 without storing ' +
      'anything.',
    '- Targets are reported here, never asserted in tests. `npm run bench -- --quick` runs every scenario small (under a minute) in CI ' +
      'to prove the suite works.',
    `- This run took ${sec(r.totalSeconds)} s.`, '']
}
