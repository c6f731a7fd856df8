import { setTimeout as sleep } from 'node:timers/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FaultPlan } from '../../src/emulator/fault-plan.ts'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'
import { LeakyBucket } from '../../src/emulator/leaky-bucket.ts'
import { call } from './helpers.ts'
import { waitFor } from '../helpers/wait-for.ts'

describe('emulator: leaky bucket', () => {
  it('refuses the 6th immediate request with burst 5 / drain 1 and counts it', async () => {
    const emu = await startEmulator({ burst: 5, drainPerSecond: 1 })
    try {
      for (let i = 0; i < 5; i++) expect((await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: `t${i}` } })).status).toBe(200)
      const sixth = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'sixth' } })
      expect(sixth.status).toBe(503)
      expect(sixth.body).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' })
      expect(emu.leads()).toHaveLength(5)
      expect(emu.stats().queryLimitExceeded).toBe(1)
      expect(emu.stats().requests).toBe(6)
    } finally {
      await emu.close()
    }
  })

  it('lets requests through again once the bucket drains', async () => {
    const emu = await startEmulator({ burst: 1, drainPerSecond: 10 })
    try {
      expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(200)
      expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(503)
      await sleep(250)
      expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(200)
    } finally {
      await emu.close()
    }
  })

  it('can be switched off, and does not count auth failures', async () => {
    const emu = await startEmulator({ burst: 1, drainPerSecond: 0.001, rateLimit: false })
    try {
      for (let i = 0; i < 5; i++) expect((await call(emu.webhookUrl, 'crm.lead.fields', {})).status).toBe(200)
    } finally {
      await emu.close()
    }
    const limited = await startEmulator({ burst: 1, drainPerSecond: 0.001 })
    try {
      expect((await call(`${limited.url}/rest/1/wrong/`, 'crm.lead.fields', {})).status).toBe(403)
      expect((await call(limited.webhookUrl, 'crm.lead.fields', {})).status).toBe(200)
    } finally {
      await limited.close()
    }
  })

  it('adds a time object to QUERY_LIMIT_EXCEEDED only with the queryLimitTime quirk', async () => {
    const emu = await startEmulator({ burst: 1, drainPerSecond: 0.001, quirks: { queryLimitTime: true } })
    try {
      await call(emu.webhookUrl, 'crm.lead.fields', {})
      const res = await call(emu.webhookUrl, 'crm.lead.fields', {})
      expect(res.status).toBe(503)
      expect(res.body.time.start).toEqual(expect.any(Number))
    } finally {
      await emu.close()
    }
  })
})

describe('LeakyBucket', () => {
  it('drains continuously at the configured rate', () => {
    let now = 0
    const bucket = new LeakyBucket(2, 2, () => now)
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(true)
    expect(bucket.take()).toBe(false)
    now = 250 // half a unit drained: 1.5 + 1 > 2
    expect(bucket.take()).toBe(false)
    now = 500 // one unit drained
    expect(bucket.take()).toBe(true)
    expect(bucket.current()).toBe(2)
    now = 5000
    expect(bucket.current()).toBe(0)
  })
})

describe('emulator: injected faults', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ rateLimit: false }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => {
    emu.reset()
    emu.setFaults({})
  })

  const add = async (title = 't') => await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: title } })

  it('503 / 500 / 401 from the next queue, then normal service', async () => {
    emu.setFaults({ next: ['503', '500', '401'] })
    const a = await add()
    expect(a.status).toBe(503)
    expect(a.body.error).toBe('SERVICE_UNAVAILABLE')
    const b = await add()
    expect(b.status).toBe(500)
    expect(b.body.error).toBe('INTERNAL_SERVER_ERROR')
    const c = await add()
    expect(c.status).toBe(403)
    expect(c.body.error).toBe('INVALID_CREDENTIALS')
    expect(emu.leads()).toHaveLength(0)
    expect((await add()).status).toBe(200)
    expect(emu.stats().faultsInjected).toEqual({ 503: 1, 500: 1, 401: 1 })
  })

  it('429 OPERATION_TIME_LIMIT carries operating_reset_at in its time object', async () => {
    emu.setFaults({ next: ['429'], operationResetSeconds: 30 })
    const before = Math.floor(Date.now() / 1000)
    const res = await add()
    expect(res.status).toBe(429)
    expect(res.body.error).toBe('OPERATION_TIME_LIMIT')
    expect(res.body.time.operating_reset_at).toBeGreaterThanOrEqual(before + 30)
    expect(res.body.time.operating_reset_at).toBeLessThanOrEqual(before + 32)
    expect(emu.leads()).toHaveLength(0)
  })

  it('reset: the client sees a socket error and nothing is stored', async () => {
    emu.setFaults({ next: ['reset'] })
    await expect(add('lost')).rejects.toThrow()
    expect(emu.leads()).toHaveLength(0)
    expect(emu.stats().faultsInjected.reset).toBe(1)
    expect((await add('after')).status).toBe(200)
  })

  it('lostReply: the client sees a socket error but the lead IS stored', async () => {
    emu.setFaults({ next: ['lostReply'] })
    await expect(add('ghost')).rejects.toThrow()
    expect(emu.leads().map(l => l.fields.TITLE)).toEqual(['ghost'])
    expect(emu.stats().faultsInjected.lostReply).toBe(1)
  })

  it('probabilities of 1 hit every request; a seed makes mixed runs repeat', async () => {
    emu.setFaults({ status500: 1 })
    for (let i = 0; i < 3; i++) expect((await add()).status).toBe(500)
    const run = async (): Promise<number[]> => {
      emu.setFaults({ seed: 42, status503: 0.3, status500: 0.3 })
      const statuses: number[] = []
      for (let i = 0; i < 12; i++) statuses.push((await add()).status)
      return statuses
    }
    const first = await run()
    expect(await run()).toEqual(first)
    expect(new Set(first).size).toBeGreaterThan(1)
  })

  it('delayMs adds latency; with beforeProcessing the lead appears only after the delay', async () => {
    emu.setFaults({ delayMs: 150 })
    const t0 = performance.now()
    expect((await add()).status).toBe(200)
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140)
    expect(emu.stats().faultsInjected.delay).toBe(1)

    emu.setFaults({ delayMs: { min: 200, max: 200 }, delayPhase: 'beforeProcessing' })
    const pending = add('late')
    // The request has arrived and its delay has begun (counted before the emulator waits), yet no lead.
    await waitFor(() => emu.stats().faultsInjected.delay === 2, { what: 'the delayed request to arrive' })
    expect(emu.leads().some(l => l.fields.TITLE === 'late')).toBe(false)
    expect((await pending).status).toBe(200)
    expect(emu.leads().some(l => l.fields.TITLE === 'late')).toBe(true)
  })

  it('moved: 302 with Location on the new portal, path and query kept', async () => {
    const target = await startEmulator()
    try {
      emu.setFaults({ moved: 1, movedTo: target.url })
      const res = await call(emu.webhookUrl, 'crm.lead.add', { fields: { TITLE: 'x' } }, { query: 'a=1' })
      expect(res.status).toBe(302)
      expect(res.headers.location).toBe(`${target.url}/rest/1/emulatorsecret/crm.lead.add?a=1`)
      expect(emu.leads()).toHaveLength(0)
    } finally {
      await target.close()
    }
  })

  it('rejects an invalid fault plan', () => {
    expect(() => emu.setFaults({ status503: 2 })).toThrow(/status503/)
    expect(() => emu.setFaults({ moved: 0.5 })).toThrow(/movedTo/)
  })
})

describe('FaultPlan', () => {
  it('consumes the next queue before rolling dice, one token per request', () => {
    const plan = new FaultPlan({ next: ['reset', 'lostReply'], status500: 1 })
    expect(plan.decide().fault).toBe('reset')
    expect(plan.decide().fault).toBe('lostReply')
    expect(plan.decide().fault).toBe('500')
  })

  it('injects nothing with an empty plan', () => {
    const plan = new FaultPlan()
    for (let i = 0; i < 20; i++) expect(plan.decide()).toEqual({ fault: undefined, delayMs: 0 })
  })

  it('rolls roughly the configured share with a seed', () => {
    const plan = new FaultPlan({ seed: 7, reset: 0.25 })
    let hits = 0
    for (let i = 0; i < 2000; i++) if (plan.decide().fault === 'reset') hits++
    expect(hits).toBeGreaterThan(400)
    expect(hits).toBeLessThan(600)
  })

  it('draws delays within a range', () => {
    const plan = new FaultPlan({ seed: 1, delayMs: { min: 10, max: 20 } })
    for (let i = 0; i < 50; i++) {
      const d = plan.decide().delayMs
      expect(d).toBeGreaterThanOrEqual(10)
      expect(d).toBeLessThanOrEqual(20)
    }
  })
})
