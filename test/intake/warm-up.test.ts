import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { warmUpIntake } from '../../src/intake/warm-up.ts'
import { TEST_WEBHOOK } from '../helpers/build-test-app.ts'

const config = buildConfig({
  forms: {
    contact: { fields: { name: 'NAME', phone: 'PHONE_WORK', email: 'EMAIL_WORK', 'tel-*': 'PHONE_MOBILE' } },
    strict: { fields: { name: 'NAME' }, required: ['company'], invalidValues: 'ask' },
    cp1251: { fields: { name: 'NAME' }, charset: 'windows-1251' }
  }
}, { B24_WEBHOOK_URL: TEST_WEBHOOK })

describe('warmUpIntake', () => {
  it('runs the sample posts over every form, including one whose checks they fail', async () => {
    const report = await warmUpIntake(config, { posts: 30, budgetMs: 60_000 })
    expect(report.posts).toBe(30)
  })

  it('stops at its budget of work', async () => {
    let clock = 0
    const report = await warmUpIntake(config, { posts: 1000, budgetMs: 50, now: () => (clock += 5) })
    expect(report.posts).toBeLessThan(1000)
    expect(report.ms).toBeGreaterThanOrEqual(50)
  })

  it('gives the event loop a turn between slices, so a visitor arriving meanwhile is not kept waiting', async () => {
    const order: string[] = []
    const warming = warmUpIntake(config, { posts: 40, slice: 10, budgetMs: 60_000 }).then(() => order.push('warmed'))
    setImmediate(() => order.push('visitor'))
    await warming
    expect(order).toEqual(['visitor', 'warmed'])
  })

  it('does nothing without forms', async () => {
    const none = buildConfig({ portals: { main: { webhook: TEST_WEBHOOK } }, forms: {} }, {})
    expect(await warmUpIntake(none)).toEqual({ posts: 0, ms: 0 })
  })
})
