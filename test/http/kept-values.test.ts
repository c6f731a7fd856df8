/** A server sender's value that fails its check is kept, the lead accepted, and the metric counts it. */
import { afterEach, describe, expect, it } from 'vitest'
import { storedFields } from '../helpers/build-test-app.ts'
import { buildAdminApp, type AdminTestApp } from './admin-app.ts'

const SECRET = 'server-secret-0123456789'

describe('values kept as typed', () => {
  let t: AdminTestApp | undefined
  afterEach(async () => { await t?.close(); t = undefined })

  it('a secret form keeps an odd e-mail in COMMENTS, answers 202 and counts it; a browser form still answers 400', async () => {
    const fields = { 'your-email': 'EMAIL_WORK', 'your-name': 'NAME' }
    t = await buildAdminApp({ raw: { forms: { cf7: { portal: 'default', secret: SECRET, fields } } } })
    const server = await t.app.inject({
      method: 'POST',
      url: '/f/cf7',
      headers: { 'x-relay-secret': SECRET },
      payload: { 'your-name': 'Анна', 'your-email': 'anna..petrova@example.ru' }
    })
    expect(server.statusCode).toBe(202)
    const stored = await storedFields(t.outbox, server.json().id)
    expect(stored.EMAIL).toBeUndefined()
    expect(stored.COMMENTS).toBe("your-email: 'anna..petrova@example.ru' не удалось использовать как адрес e-mail")

    // A WordPress webhook on a form without a secret is a server sender too.
    const payload = { name: 'Анна', email: '.anna@mail.ru' }
    const wordpress = await t.app.inject({
      method: 'POST',
      url: '/f/default',
      payload,
      headers: { 'user-agent': 'WordPress/7.0.4; http://127.0.0.1:19010' }
    })
    expect(wordpress.statusCode).toBe(202)
    const browser = await t.app.inject({ method: 'POST', url: '/f/default', headers: { 'user-agent': 'Mozilla/5.0' }, payload })
    expect(browser.statusCode).toBe(400)

    const metrics = (await t.app.inject({ url: '/metrics' })).body
    expect(metrics).toContain('relay_values_kept_total{form="cf7",check="email"} 1')
    expect(metrics).toContain('relay_values_kept_total{form="default",check="email"} 1')
  })
})
