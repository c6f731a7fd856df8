/**
 * The Redis outbox's state changes, each one Lua script so Redis runs it atomically: no other
 * client sees half a claim, and two claimers never get the same submission.
 *
 * Keys, all under the prefix P (a hash tag such as "{relay}:"):
 *   sub:<id>        hash   the submission (status, attempts, lease token and end, payload, …)
 *   hist:<id>       list   its attempts as JSON, oldest first; only the last can be in flight
 *   ready:<portal>  zset   due now, by createdAt (ties by id): what claim takes from
 *   sched:<portal>  zset   pending but due later, by nextAttemptAt
 *   leased:<portal> zset   leased, by lease end
 *   open            zset   pending or leased, by createdAt (oldestPendingAt)
 *   dead, dead:<portal>    zset   dead letters, by createdAt
 *   count:<status>  hash   portal → number of submissions in that status
 *   portals         set    every portal seen
 *   dedupe:<key>    hash   id and window end of the first submission with that key; expires
 *
 * Time: every script takes the caller's `now` (ms), or '' to read the Redis server's clock, so
 * leases written by one instance and judged by another agree even when their clocks do not.
 */
import type { Redis } from 'ioredis'

const PRELUDE = `
if redis.replicate_commands then redis.replicate_commands() end
local P = ARGV[1]
local function clock (given)
  if given ~= '' then return tonumber(given) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function counted (status, portal, by)
  redis.call('HINCRBY', P .. 'count:' .. status, portal, by)
end
local function endAttempt (id, outcome, now, code, message)
  local key = P .. 'hist:' .. id
  local last = redis.call('LINDEX', key, -1)
  if not last then return end
  local a = cjson.decode(last)
  if a.outcome ~= 'in_flight' then return end
  a.outcome = outcome
  a.endedAt = now
  if code then a.error = { code = code, message = message } end
  redis.call('LSET', key, -1, cjson.encode(a))
end
`

// ARGV: P, id, formId, portalId, payload, meta, hasMeta, dedupeKey, hasDedupe, dedupeUntil, now, dedupeTtlMs
const ENQUEUE = `
local id, portal, now = ARGV[2], ARGV[4], ARGV[11]
if ARGV[9] == '1' then
  local dk = P .. 'dedupe:' .. ARGV[8]
  local held = redis.call('HMGET', dk, 'id', 'until')
  if held[1] and tonumber(held[2]) > tonumber(now) then return { held[1], 1 } end
  redis.call('HSET', dk, 'id', id, 'until', ARGV[10])
  redis.call('PEXPIRE', dk, ARGV[12])
end
local key = P .. 'sub:' .. id
redis.call('HSET', key, 'id', id, 'form', ARGV[3], 'portal', portal, 'payload', ARGV[5], 'status', 'pending',
  'attempts', 0, 'unknown', 0, 'next', now, 'created', now, 'updated', now)
if ARGV[7] == '1' then redis.call('HSET', key, 'meta', ARGV[6]) end
if ARGV[9] == '1' then redis.call('HSET', key, 'dedupe', ARGV[8]) end
redis.call('ZADD', P .. 'ready:' .. portal, now, id)
redis.call('ZADD', P .. 'open', now, id)
redis.call('SADD', P .. 'portals', portal)
counted('pending', portal, 1)
return { id, 0 }
`

// ARGV: P, now, limit, leaseMs, portalId or '', then one fresh lease token per possible claim.
// Returns per claimed submission: id, formId, portalId, payload, attempts, createdAt, token, leaseUntil, unknown, expired.
const CLAIM = `
local now = clock(ARGV[2])
local limit, lease, only = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local portals = (only ~= '') and { only } or redis.call('SMEMBERS', P .. 'portals')
local candidates = {}
for _, portal in ipairs(portals) do
  local ready = P .. 'ready:' .. portal
  -- Retries whose time has come and leases that ran out join the ready set, in creation order.
  for _, from in ipairs({ P .. 'sched:' .. portal, P .. 'leased:' .. portal }) do
    for _, id in ipairs(redis.call('ZRANGEBYSCORE', from, '-inf', now, 'LIMIT', 0, 10000)) do
      local created = redis.call('HGET', P .. 'sub:' .. id, 'created')
      if created then redis.call('ZADD', ready, created, id) end
      redis.call('ZREM', from, id)
    end
  end
  local top = redis.call('ZRANGE', ready, 0, limit - 1, 'WITHSCORES')
  for i = 1, #top, 2 do candidates[#candidates + 1] = { tonumber(top[i + 1]), top[i], portal } end
end
table.sort(candidates, function (a, b)
  if a[1] ~= b[1] then return a[1] < b[1] end
  return a[2] < b[2]
end)
local out = {}
for i = 1, math.min(limit, #candidates) do
  local id, portal = candidates[i][2], candidates[i][3]
  local key = P .. 'sub:' .. id
  redis.call('ZREM', P .. 'ready:' .. portal, id)
  local f = redis.call('HMGET', key, 'status', 'attempts', 'unknown', 'form', 'payload', 'created')
  if f[1] == 'pending' or f[1] == 'leased' then
    local expired = f[1] == 'leased'
    local unknown = f[3]
    if expired then
      endAttempt(id, 'lease_expired', now)
      unknown = '1'
    else
      counted('pending', portal, -1)
      counted('leased', portal, 1)
    end
    local attempts = tonumber(f[2]) + 1
    local token, leaseUntil = ARGV[5 + #out + 1], now + lease
    redis.call('HSET', key, 'status', 'leased', 'token', token, 'until', leaseUntil, 'attempts', attempts,
      'unknown', unknown, 'updated', now)
    redis.call('ZADD', P .. 'leased:' .. portal, leaseUntil, id)
    redis.call('RPUSH', P .. 'hist:' .. id, cjson.encode({ attempt = attempts, startedAt = now, outcome = 'in_flight' }))
    out[#out + 1] = { id, f[4], portal, f[5], attempts, f[6], token, leaseUntil, tonumber(unknown), expired and 1 or 0 }
  end
end
return out
`

// ARGV: P, op (complete | retry | release | dead), id, token, now, leadId or retry-at, unknown, errorCode, errorMessage
const REPORT = `
local op, id, token = ARGV[2], ARGV[3], ARGV[4]
local key = P .. 'sub:' .. id
local f = redis.call('HMGET', key, 'status', 'token', 'portal', 'created', 'attempts', 'next')
if f[1] ~= 'leased' or f[2] ~= token then return 0 end
local now = clock(ARGV[5])
local portal, created = f[3], f[4]
-- A lease that ran out may already wait in the ready set for its next claimer.
redis.call('ZREM', P .. 'leased:' .. portal, id)
redis.call('ZREM', P .. 'ready:' .. portal, id)
redis.call('HDEL', key, 'token', 'until')
counted('leased', portal, -1)
if op == 'complete' then
  endAttempt(id, 'delivered', now)
  redis.call('HSET', key, 'status', 'delivered', 'lead', ARGV[6], 'delivered', now, 'updated', now)
  redis.call('ZREM', P .. 'open', id)
  counted('delivered', portal, 1)
elseif op == 'retry' then
  local at = tonumber(ARGV[6])
  endAttempt(id, 'retry', now, ARGV[8], ARGV[9])
  redis.call('HSET', key, 'status', 'pending', 'next', ARGV[6], 'errCode', ARGV[8], 'errMessage', ARGV[9], 'updated', now)
  if ARGV[7] == '1' then redis.call('HSET', key, 'unknown', 1) end
  if at <= now then redis.call('ZADD', P .. 'ready:' .. portal, created, id)
  else redis.call('ZADD', P .. 'sched:' .. portal, at, id) end
  counted('pending', portal, 1)
elseif op == 'release' then
  endAttempt(id, 'released', now)
  redis.call('HSET', key, 'status', 'pending', 'attempts', tonumber(f[5]) - 1,
    'next', math.min(tonumber(f[6]), now), 'updated', now)
  redis.call('ZADD', P .. 'ready:' .. portal, created, id)
  counted('pending', portal, 1)
else
  endAttempt(id, 'dead', now, ARGV[8], ARGV[9])
  redis.call('HSET', key, 'status', 'dead', 'errCode', ARGV[8], 'errMessage', ARGV[9], 'updated', now)
  redis.call('ZREM', P .. 'open', id)
  redis.call('ZADD', P .. 'dead', created, id)
  redis.call('ZADD', P .. 'dead:' .. portal, created, id)
  counted('dead', portal, 1)
end
return 1
`

// ARGV: P, id, now
const REQUEUE_DEAD = `
local id = ARGV[2]
local key = P .. 'sub:' .. id
local f = redis.call('HMGET', key, 'status', 'portal', 'created')
if f[1] ~= 'dead' then return 0 end
local portal, now = f[2], clock(ARGV[3])
redis.call('HSET', key, 'status', 'pending', 'attempts', 0, 'next', now, 'updated', now)
redis.call('ZREM', P .. 'dead', id)
redis.call('ZREM', P .. 'dead:' .. portal, id)
redis.call('ZADD', P .. 'ready:' .. portal, f[3], id)
redis.call('ZADD', P .. 'open', f[3], id)
counted('dead', portal, -1)
counted('pending', portal, 1)
return 1
`

// ARGV: P, now. Returns the four count hashes (flat), the number due and the oldest open createdAt ('' if none).
const STATS = `
local now = clock(ARGV[2])
local out = {}
for i, status in ipairs({ 'pending', 'leased', 'delivered', 'dead' }) do out[i] = redis.call('HGETALL', P .. 'count:' .. status) end
local due = 0
for _, portal in ipairs(redis.call('SMEMBERS', P .. 'portals')) do
  due = due + redis.call('ZCARD', P .. 'ready:' .. portal)
    + redis.call('ZCOUNT', P .. 'sched:' .. portal, '-inf', now)
    + redis.call('ZCOUNT', P .. 'leased:' .. portal, '-inf', now)
end
local oldest = redis.call('ZRANGE', P .. 'open', 0, 0, 'WITHSCORES')
out[5] = due
out[6] = oldest[2] or ''
return out
`

type Arg = string | number
type Call = (...args: Arg[]) => Promise<unknown>

export interface OutboxScripts {
  enqueue: Call
  claim: Call
  report: Call
  requeueDead: Call
  stats: Call
}

const SOURCES: Record<keyof OutboxScripts, string> = {
  enqueue: ENQUEUE, claim: CLAIM, report: REPORT, requeueDead: REQUEUE_DEAD, stats: STATS
}

/**
 * Registers the scripts on a connection (ioredis sends EVALSHA and falls back to EVAL after a
 * Redis restart). Each call passes one key, `P + "portals"`, so a cluster client routes it to
 * the slot of the prefix's hash tag; P itself goes first in ARGV.
 */
export function defineOutboxScripts (redis: Redis, keyPrefix: string): OutboxScripts {
  const bound = {} as OutboxScripts
  for (const [name, body] of Object.entries(SOURCES) as Array<[keyof OutboxScripts, string]>) {
    const command = `relayOutbox_${name}`
    redis.defineCommand(command, { numberOfKeys: 1, lua: PRELUDE + body })
    const fn = (redis as unknown as Record<string, Call>)[command]
    if (fn === undefined) throw new Error(`ioredis did not define ${command}`)
    bound[name] = async (...args) => await fn.call(redis, `${keyPrefix}portals`, keyPrefix, ...args)
  }
  return bound
}
