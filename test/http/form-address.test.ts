/** A form's address opened in a browser: a short page saying it takes form posts, not a bare 404. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.ts'

describe('GET /f/:formId', () => {
  let t: TestApp
  beforeAll(async () => {
    t = await buildTestApp({
      forms: { contact: { language: 'ru', fields: { name: 'NAME' } }, order: { language: 'en', fields: { name: 'NAME' } } }
    })
  })
  afterAll(async () => { await t.close() })

  it('a browser gets a page in the form\'s language with the action to use', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/f/contact', headers: { accept: 'text/html,application/xhtml+xml' } })
    expect(res.statusCode).toBe(405)
    expect(res.headers.allow).toBe('POST')
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('Адрес для отправки форм')
    expect(res.body).toContain('&lt;form method="post" action="/f/contact"&gt;')
    const en = await t.app.inject({ method: 'GET', url: '/f/order' })
    expect(en.body).toContain('This address takes submissions from website forms (POST)')
  })

  it('a script gets the coded error in JSON; an unknown form is still 404', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/f/contact', headers: { accept: 'application/json' } })
    expect(res.statusCode).toBe(405)
    expect(res.json()).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_METHOD_NOT_ALLOWED' } })
    expect((await t.app.inject({ method: 'GET', url: '/f/nope' })).statusCode).toBe(404)
  })
})
