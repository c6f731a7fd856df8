import { request } from 'undici'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../src/emulator/index.ts'

describe('emulator: the legacy importer /crm/configs/import/lead.php', () => {
  let emu: Emulator
  beforeAll(async () => { emu = await startEmulator({ legacy: { login: 'manager@shop.ru', password: 'p@ss' } }) })
  afterAll(async () => { await emu.close() })
  beforeEach(() => { emu.reset(); emu.setFaults({}) })

  async function post (form: Record<string, string>): Promise<{ status: number, text: string, headers: Record<string, unknown> }> {
    const res = await request(emu.legacyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString()
    })
    return { status: res.statusCode, text: await res.body.text(), headers: res.headers }
  }
  const auth = { LOGIN: 'manager@shop.ru', PASSWORD: 'p@ss' }

  it('adds a lead from flat fields and answers exactly like PhpToJSObject (numbers quoted, single quotes), HTTP 200', async () => {
    const res = await post({
      ...auth,
      TITLE: 'С сайта',
      NAME: 'Иван',
      PHONE_WORK: '+7 900 1;+7 900 2',
      PHONE_MOBILE: '+7 901 3',
      EMAIL_HOME: 'a@example.com,b@example.com',
      IM_SKYPE: 'ivan.s',
      SOURCE_ID: 'Website',
      ASSIGNED_BY_ID: '5',
      ORIGIN_ID: 'ignored',
      UF_CRM_X: 'x'
    })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(res.headers['x-crm-version']).toBe('11.5.0')
    expect(res.text).toMatch(/^\{'error':'201','ID':'1','error_message':'Лид добавлен','AUTH':'[0-9a-f]{40}'\}$/)
    const f = emu.lead(1)!.fields
    expect(f).toMatchObject({ TITLE: 'С сайта', NAME: 'Иван', SOURCE_ID: 'WEB', ASSIGNED_BY_ID: 5, UF_CRM_X: 'x' })
    expect(f.ORIGIN_ID).toBeUndefined()
    expect(f.PHONE?.map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['+7 900 1', 'WORK'], ['+7 900 2', 'WORK'], ['+7 901 3', 'MOBILE']])
    expect(f.EMAIL?.map(p => p.VALUE)).toEqual(['a@example.com', 'b@example.com'])
    expect(f.IM?.map(p => [p.VALUE, p.VALUE_TYPE])).toEqual([['ivan.s', 'SKYPE']])
  })

  it('accepts the AUTH hash instead of LOGIN/PASSWORD, and answers 403 for bad or missing credentials', async () => {
    const first = await post({ ...auth, TITLE: 'a' })
    const hash = /'AUTH':'([0-9a-f]+)'/.exec(first.text)?.[1] ?? ''
    expect((await post({ AUTH: hash, TITLE: 'b' })).text).toBe("{'error':'201','ID':'2','error_message':'Лид добавлен'}")
    expect((await post({ AUTH: 'nope', TITLE: 'c' })).text).toBe("{'error':'403','error_message':'Доступ запрещен'}")
    expect((await post({ LOGIN: 'manager@shop.ru', PASSWORD: 'wrong', TITLE: 'c' })).text)
      .toBe("{'error':'403','error_message':'Неверный логин или пароль.'}")
    expect((await post({ TITLE: 'c' })).text).toBe("{'error':'403','error_message':'Ошибка авторизации'}")
    expect((await post({ ...auth })).text).toBe("{'error':'400','error_message':'Ошибка запроса'}")
    expect(emu.leads()).toHaveLength(2)
  })

  it('answers a validation failure with 400 and the message without tags; lead.get_fields lists fields', async () => {
    const bad = await post({ ...auth, TITLE: 'x', EMAIL_WORK: 'not-an-email' })
    expect(bad.text).toMatch(/^\{'error':'400','error_message':'The \\"Work e-mail\\" field contains an invalid e-mail address\.'\}$/)
    const fields = await post({ ...auth, method: 'lead.get_fields' })
    expect(fields.text).toContain("{'ID':'TITLE','NAME':'TITLE','TYPE':'string','REQUIRED':true}")
  })

  it('converts in simple mode like a REST add, and can lose the reply after adding (lostReply)', async () => {
    emu.setCrmMode(2)
    await post({ ...auth, TITLE: 'S', NAME: 'Анна' })
    expect(emu.deals()[0]?.fields.LEAD_ID).toBe(1)
    emu.setFaults({ next: ['lostReply'] })
    await expect(post({ ...auth, TITLE: 'lost', NAME: 'B' })).rejects.toThrow()
    expect(emu.leads().map(l => l.fields.TITLE)).toEqual(['S', 'lost'])
  })
})
