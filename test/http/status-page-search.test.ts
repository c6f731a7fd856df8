/**
 * The status page for an operator's first hour: it reloads itself, the red series is "failed
 * attempts", a failure links to its details, and submissions are found by e-mail or phone in any
 * notation (the admin API too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sessionValue } from '../../src/http/routes/status-page-auth.ts'
import { ADMIN_TOKEN, auth, buildAdminApp, type AdminTestApp } from './admin-app.ts'

describe('status page: refresh, details, search', () => {
  let t: AdminTestApp
  const cookie = `relay_status=${sessionValue(ADMIN_TOKEN)}`
  const ids: Record<string, string> = {}

  beforeAll(async () => {
    t = await buildAdminApp({
      raw: { forms: { shop: { fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_HOME', note: 'COMMENTS' } } } }
    })
    for (const [key, body] of Object.entries({
      anna: { name: 'Anna', phone: '+7 900 123-45-67', email: 'Anna.Petrova@Example.com' },
      boris: { name: 'Boris', phone: '8 (901) 555-44-33', email: 'boris@example.org' },
      other: { name: 'Vera', phone: '+7 902 000-00-00', note: 'write to joanna.petrova@example.com tomorrow' }
    })) {
      const res = await t.app.inject({ method: 'POST', url: '/f/shop', payload: body })
      expect(res.statusCode).toBe(202)
      ids[key] = res.json<{ id: string }>().id
    }
    await t.outbox.claim({ limit: 10, leaseMs: 60_000 }).then(async claimed => {
      const boris = claimed.find(c => c.id === ids.boris)!
      await t.outbox.deadLetter(boris.id, boris.leaseToken,
        { code: 'RELAY_ERR_B24_VALIDATION', message: 'The field "UF_CRM_CITY" is required.' })
      await Promise.all(claimed.filter(c => c.id !== ids.boris).map(c => t.outbox.release(c.id, c.leaseToken)))
    })
  })
  afterAll(async () => { await t.close() })

  const status = async (url = '/status'): Promise<string> => {
    const res = await t.app.inject({ url, headers: { cookie } })
    expect(res.statusCode).toBe(200)
    return res.body
  }

  it('reloads itself every 30 s, names the red series "failed attempts" and links each failure to its details', async () => {
    const html = await status()
    expect(html).toContain('<meta http-equiv="refresh" content="30;url=/status">')
    expect(html).toContain('failed attempts')
    expect(html).not.toMatch(/>failures</)
    expect(html).toContain(`<a href="/status/submissions/${ids.boris}"><code>${ids.boris}</code></a>`)
    const details = await status(`/status/submissions/${ids.boris}`)
    expect(details).toContain('RELAY_ERR_B24_VALIDATION')
    expect(details).toContain(`action="/status/retry/${ids.boris}"`)
    expect(details).toContain('+7901*****33') // masked
    expect(details).not.toContain('boris@example.org')
    expect((await t.app.inject({ url: `/status/submissions/${ids.boris}` })).statusCode).toBe(401)
    expect((await t.app.inject({ url: '/status/submissions/01NOPE', headers: { cookie } })).statusCode).toBe(404)
  })

  it('finds submissions by e-mail (any case) or phone (any notation) on the page, without refreshing the results away', async () => {
    const byEmail = await status('/status?q=anna.petrova%40example.com')
    expect(byEmail).toContain(`data-result="${ids.anna}"`)
    expect(byEmail).not.toContain(`data-result="${ids.other}"`) // a longer address is another person
    expect(byEmail).not.toContain('http-equiv="refresh"')
    const byPhone = await status(`/status?q=${encodeURIComponent('+7 (901) 555 44 33')}`)
    expect(byPhone).toContain(`data-result="${ids.boris}"`)
    expect(byPhone).not.toContain(`data-result="${ids.anna}"`)
    expect(await status('/status?q=nobody%40example.com')).toContain('No submission holds that')
  })

  it('the admin API searches the same way', async () => {
    const res = await t.app.inject({ url: `/admin/submissions?phone=${encodeURIComponent('89001234567')}`, headers: auth })
    expect(res.statusCode).toBe(200)
    expect(res.json<{ items: Array<{ id: string }> }>().items.map(i => i.id)).toEqual([ids.anna])
    const mail = await t.app.inject({ url: '/admin/submissions?email=BORIS@EXAMPLE.ORG&status=dead', headers: auth })
    expect(mail.json<{ items: Array<{ id: string }> }>().items.map(i => i.id)).toEqual([ids.boris])
  })
})
