import iconv from 'iconv-lite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTestApp, storedFields, type TestApp } from '../helpers/build-test-app.ts'

/** Percent-encodes every byte of `text` in `charset`, as a browser does with accept-charset. */
function encodeForm (pairs: Record<string, string>, charset: string): string {
  return Object.entries(pairs).map(([k, v]) => {
    const enc = (s: string): string => [...iconv.encode(s, charset)].map(b => '%' + b.toString(16).padStart(2, '0').toUpperCase()).join('')
    return `${enc(k)}=${enc(v)}`
  }).join('&')
}

function multipartBody (boundary: string, parts: Array<{ name: string, value: string | Buffer, filename?: string }>): Buffer {
  const chunks: Buffer[] = []
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}`
    const type = p.filename !== undefined ? 'Content-Type: application/pdf\r\n' : ''
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`))
    chunks.push(typeof p.value === 'string' ? Buffer.from(p.value) : p.value, Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return Buffer.concat(chunks)
}

const JSON_ACCEPT = { accept: 'application/json' }
const FORM = 'application/x-www-form-urlencoded'

describe('POST /f/:formId', () => {
  let t: TestApp

  beforeAll(async () => {
    t = await buildTestApp({
      forms: {
        shop: {
          name: 'Shop',
          portal: 'default',
          language: 'en',
          fields: { 'your-name': 'NAME', 'your-phone': 'PHONE_MOBILE', 'your-email': 'EMAIL_HOME' },
          required: ['your-phone'],
          successUrl: 'https://shop.example/thanks'
        },
        old: { name: 'Old site', portal: 'default', charset: 'windows-1251', fields: { fio: 'NAME' } },
        strict: { portal: 'default', fields: { email: 'EMAIL' }, errorUrl: 'https://shop.example/oops' }
      },
      limits: { bodyBytes: 4096, fields: 20, valueChars: 300 }
    })
  })
  afterAll(async () => t.close())

  describe('body kinds', () => {
    it('a browser form post is stored and redirected to the built-in thank-you page', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/default',
        headers: { 'content-type': FORM },
        payload: 'name=%D0%98%D0%B2%D0%B0%D0%BD&phone=%2B7+900+123-45-67&utm_source=yandex'
      })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('/f/default/thanks')
      const [row] = (await t.outbox.stats()).pending === 1 ? [true] : [false]
      expect(row).toBe(true)
    })

    it('a script that asks for JSON gets 202 with the submission id, and the mapped fields are stored', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': FORM, ...JSON_ACCEPT },
        payload: 'your-name=Anna&your-phone=8 (900) 123-45-67&your-email=Anna@Example.com&delivery=courier'
      })
      expect(res.statusCode).toBe(202)
      const body = res.json()
      expect(body).toEqual({ ok: true, id: expect.any(String) })
      const fields = await storedFields(t.outbox, body.id)
      expect(fields.NAME).toBe('Anna')
      expect(fields.PHONE).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'MOBILE' }])
      expect(fields.EMAIL).toEqual([{ VALUE: 'Anna@example.com', VALUE_TYPE: 'HOME' }])
      expect(fields.COMMENTS).toContain('delivery: courier')
    })

    it('a browser post to a form with a success URL is redirected there', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': FORM },
        payload: 'your-phone=%2B79001112233'
      })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('https://shop.example/thanks')
    })

    it('accepts JSON, answering JSON', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ 'your-name': 'Олег', 'your-phone': '+7 901 000 00 01' })
      })
      expect(res.statusCode).toBe(202)
      const fields = await storedFields(t.outbox, res.json().id)
      expect(fields.NAME).toBe('Олег')
    })

    it('accepts text/plain holding JSON (the CF7 webhook fallback)', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        payload: '{"your-name":"Text","your-phone":"+79010000002"}'
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Text')
    })

    it('accepts a Contact Form 7 webhook body: \\u escapes, checkbox arrays, special tags, file objects', async () => {
      const payload = '{"_url":"https:\\/\\/shop.example\\/p\\/x\\/?utm_source=ya","_remote_ip":"203.0.113.7",' +
        '"your-name":"\\u0418\\u0432\\u0430\\u043d","your-phone":"+7 900 000-00-00","options":["A","B"],"file-1":{"filename":"cv.pdf",' +
        '"content":"JVBERi0="}}'
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': 'application/json; charset=UTF-8' },
        payload
      })
      expect(res.statusCode).toBe(202)
      const fields = await storedFields(t.outbox, res.json().id)
      expect(fields.NAME).toBe('Иван')
      expect(fields.UTM_SOURCE).toBe('ya')
      expect(fields.COMMENTS).toContain('A, B')
      expect(fields.COMMENTS).toContain('203.0.113.7')
      expect(fields.COMMENTS).toContain('https://shop.example/p/x/')
      expect(fields.COMMENTS).toContain('cv.pdf')
    })

    it('accepts multipart text parts and notes file parts by name', async () => {
      const boundary = 'XyZ123'
      const payload = multipartBody(boundary, [
        { name: 'your-name', value: 'Мария' },
        { name: 'your-phone', value: '+79002223344' },
        { name: 'cv', value: Buffer.from('%PDF-1.4'), filename: 'cv.pdf' }
      ])
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...JSON_ACCEPT },
        payload
      })
      expect(res.statusCode).toBe(202)
      const fields = await storedFields(t.outbox, res.json().id)
      expect(fields.NAME).toBe('Мария')
      expect(fields.PHONE).toEqual([{ VALUE: '+79002223344', VALUE_TYPE: 'MOBILE' }])
      expect(fields.COMMENTS).toContain('cv.pdf')
    })
  })

  describe('charsets', () => {
    it('decodes a windows-1251 body declared in the Content-Type', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': `${FORM}; charset=windows-1251`, ...JSON_ACCEPT },
        payload: encodeForm({ 'your-name': 'Пётр Иванович', 'your-phone': '+79003334455' }, 'win1251')
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Пётр Иванович')
    })

    it('decodes koi8-r named by the _charset_ field browsers fill in', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': FORM, ...JSON_ACCEPT },
        payload: '_charset_=KOI8-R&' + encodeForm({ 'your-name': 'Светлана', 'your-phone': '+79004445566' }, 'koi8-r')
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Светлана')
    })

    it("uses the form's configured charset when the body declares none", async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/old',
        headers: { 'content-type': FORM, ...JSON_ACCEPT },
        payload: encodeForm({ fio: 'Ёлкин Семён' }, 'win1251')
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Ёлкин Семён')
    })

    it('decodes a multipart body from a windows-1251 page', async () => {
      const boundary = 'b1251'
      const payload = multipartBody(boundary, [
        { name: 'your-name', value: iconv.encode('Жанна', 'win1251') },
        { name: 'your-phone', value: '+79005556677' },
        { name: '_charset_', value: 'windows-1251' }
      ])
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...JSON_ACCEPT },
        payload
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Жанна')
    })

    it('decodes JSON declared as windows-1251', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': 'application/json; charset=windows-1251' },
        payload: iconv.encode('{"your-name":"Дмитрий","your-phone":"+79006667788"}', 'win1251')
      })
      expect(res.statusCode).toBe(202)
      expect((await storedFields(t.outbox, res.json().id)).NAME).toBe('Дмитрий')
    })
  })

  describe('bad input gets a clear 4xx with a stable code', () => {
    interface Case {
      name: string
      url?: string
      headers?: Record<string, string>
      payload?: string | Buffer
      status: number
      code: string
    }
    const cases: Case[] = [
      {
        name: 'unknown form',
        url: '/f/nope',
        headers: { 'content-type': FORM },
        payload: 'a=1',
        status: 404,
        code: 'RELAY_ERR_UNKNOWN_FORM'
      },
      {
        name: 'form id with bad characters',
        url: '/f/..%2Fetc',
        headers: { 'content-type': FORM },
        payload: 'a=1',
        status: 404,
        code: 'RELAY_ERR_UNKNOWN_FORM'
      },
      { name: 'empty urlencoded body', headers: { 'content-type': FORM }, payload: '', status: 400, code: 'RELAY_ERR_EMPTY_BODY' },
      { name: 'empty JSON body', headers: { 'content-type': 'application/json' }, payload: '', status: 400, code: 'RELAY_ERR_EMPTY_BODY' },
      { name: 'no body at all', headers: {}, status: 400, code: 'RELAY_ERR_EMPTY_BODY' },
      {
        name: 'unsupported content type',
        headers: { 'content-type': 'application/xml' },
        payload: '<a/>',
        status: 415,
        code: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE'
      },
      {
        name: 'body too large',
        headers: { 'content-type': FORM },
        payload: 'a=' + 'x'.repeat(5000),
        status: 413,
        code: 'RELAY_ERR_BODY_TOO_LARGE'
      },
      {
        name: 'malformed JSON',
        headers: { 'content-type': 'application/json' },
        payload: '{"a":',
        status: 400,
        code: 'RELAY_ERR_MALFORMED_JSON'
      },
      {
        name: 'malformed urlencoding',
        headers: { 'content-type': FORM },
        payload: 'your-name=%E0%A4%A&x=1',
        status: 400,
        code: 'RELAY_ERR_MALFORMED_URLENCODED'
      },
      {
        name: 'bytes that are not UTF-8',
        headers: { 'content-type': FORM },
        payload: Buffer.concat([Buffer.from('your-name='), Buffer.from([0xc8, 0xe2, 0xe0, 0xed])]),
        status: 400,
        code: 'RELAY_ERR_UNDECODABLE_BODY'
      },
      {
        name: 'unknown charset',
        headers: { 'content-type': `${FORM}; charset=x-martian` },
        payload: 'a=1',
        status: 415,
        code: 'RELAY_ERR_UNSUPPORTED_CHARSET'
      },
      {
        name: 'too many fields',
        headers: { 'content-type': FORM },
        payload: Array.from({ length: 21 }, (_, i) => `f${i}=1`).join('&'),
        status: 413,
        code: 'RELAY_ERR_TOO_MANY_FIELDS'
      },
      {
        name: 'too long value',
        headers: { 'content-type': FORM },
        payload: 'your-name=' + 'я'.repeat(301),
        status: 413,
        code: 'RELAY_ERR_VALUE_TOO_LONG'
      },
      {
        name: '__proto__ key in JSON',
        headers: { 'content-type': 'application/json' },
        payload: '{"__proto__":{"admin":true},"your-phone":"1"}',
        status: 400,
        code: 'RELAY_ERR_FORBIDDEN_KEY'
      },
      {
        name: 'constructor key in a form post',
        headers: { 'content-type': FORM },
        payload: 'constructor=x&your-phone=1',
        status: 400,
        code: 'RELAY_ERR_FORBIDDEN_KEY'
      },
      {
        name: '__proto__[x] key in a form post',
        headers: { 'content-type': FORM },
        payload: '__proto__[x]=1',
        status: 400,
        code: 'RELAY_ERR_FORBIDDEN_KEY'
      },
      {
        name: 'nested JSON object',
        headers: { 'content-type': 'application/json' },
        payload: '{"a":{"b":{"c":1}}}',
        status: 400,
        code: 'RELAY_ERR_BODY_SHAPE'
      },
      {
        name: 'JSON array at the top',
        headers: { 'content-type': 'application/json' },
        payload: '[1,2]',
        status: 400,
        code: 'RELAY_ERR_BODY_SHAPE'
      },
      {
        name: 'broken multipart',
        headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
        payload: '--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
        status: 400,
        code: 'RELAY_ERR_MALFORMED_MULTIPART'
      },
      {
        name: 'multipart without boundary',
        headers: { 'content-type': 'multipart/form-data' },
        payload: 'x',
        status: 400,
        code: 'RELAY_ERR_MALFORMED_MULTIPART'
      },
      {
        name: 'invalid e-mail',
        headers: { 'content-type': FORM },
        payload: 'your-phone=%2B79001234567&your-email=not-an-email',
        status: 400,
        code: 'RELAY_ERR_VALIDATION'
      },
      {
        name: 'missing required field',
        headers: { 'content-type': FORM },
        payload: 'your-name=Anna',
        status: 400,
        code: 'RELAY_ERR_VALIDATION'
      }
    ]
    for (const c of cases) {
      it(`${c.name} → ${c.status} ${c.code}`, async () => {
        const before = await t.outbox.stats()
        const res = await t.app.inject({
          method: 'POST',
          url: c.url ?? '/f/shop',
          headers: { ...JSON_ACCEPT, ...c.headers },
          ...(c.payload !== undefined ? { payload: c.payload } : {})
        })
        expect(res.statusCode).toBe(c.status)
        const body = res.json()
        expect(body.ok).toBe(false)
        expect(body.error.code).toBe(c.code)
        expect(typeof body.error.message).toBe('string')
        expect(res.headers['x-relay-error']).toBe(c.code)
        expect((await t.outbox.stats()).pending).toBe(before.pending)
      })
    }

    it('validation errors name the fields', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': FORM, ...JSON_ACCEPT },
        payload: 'your-email=bad'
      })
      expect(res.json().error.fields).toEqual({ 'your-phone': 'required', 'your-email': 'invalid_email' })
    })

    it('a browser gets a 400 HTML page saying what is wrong', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/f/shop', headers: { 'content-type': FORM }, payload: 'your-email=bad' })
      expect(res.statusCode).toBe(400)
      expect(res.headers['content-type']).toMatch(/text\/html/)
      expect(res.body).toContain('your-phone')
      expect(res.body).toContain('this field is required')
    })

    it('a browser is sent to the error URL when the form has one', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/f/strict', headers: { 'content-type': FORM }, payload: 'email=bad' })
      expect(res.statusCode).toBe(303)
      expect(res.headers.location).toBe('https://shop.example/oops?error=RELAY_ERR_VALIDATION&fields=email')
    })

    it('a browser posting to an unknown form gets an HTML 404', async () => {
      const res = await t.app.inject({ method: 'POST', url: '/f/missing', headers: { 'content-type': FORM }, payload: 'a=1' })
      expect(res.statusCode).toBe(404)
      expect(res.headers['content-type']).toMatch(/text\/html/)
    })
  })

  describe('double submits', () => {
    it('the same values twice get the first id back', async () => {
      const post = async (): Promise<{ statusCode: number, json: () => { id: string, duplicate?: boolean } }> => t.app.inject({
        method: 'POST',
        url: '/f/shop',
        headers: { 'content-type': FORM, ...JSON_ACCEPT },
        payload: 'your-phone=%2B79990001122&your-name=Twice&_ts=1'
      })
      const a = await post()
      const b = await post()
      expect(b.statusCode).toBe(202)
      expect(b.json().id).toBe(a.json().id)
      expect(b.json().duplicate).toBe(true)
    })

    it('an Idempotency-Key reused with other values is refused (409), with the same values it is the same submission', async () => {
      const headers = { 'content-type': 'application/json', 'idempotency-key': 'order-42' }
      const a = await t.app.inject({ method: 'POST', url: '/f/shop', headers, payload: '{"your-phone":"+79990001123"}' })
      const b = await t.app.inject({ method: 'POST', url: '/f/shop', headers, payload: '{"your-phone":"+79990001124"}' })
      expect(b.statusCode).toBe(409)
      expect(b.json().error.code).toBe('RELAY_ERR_IDEMPOTENCY_MISMATCH')
      const c = await t.app.inject({ method: 'POST', url: '/f/shop', headers, payload: '{"your-phone":"+79990001123"}' })
      expect(c.json()).toEqual({ ok: true, id: a.json().id, duplicate: true })
    })
  })

  it('serves the thank-you page in the form language', async () => {
    const ru = await t.app.inject({ method: 'GET', url: '/f/default/thanks' })
    expect(ru.body).toContain('Спасибо')
    const en = await t.app.inject({ method: 'GET', url: '/f/shop/thanks' })
    expect(en.body).toContain('Thank you')
  })
})
