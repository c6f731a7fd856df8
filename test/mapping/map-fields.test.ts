import { describe, expect, it } from 'vitest'
import { mapSubmission } from '../../src/mapping/map-submission.ts'
import { mergeDictionaries } from '../../src/mapping/dictionaries.ts'
import { commentLines, formOf, NOW, run } from './helpers.ts'

describe('mapSubmission: multifields', () => {
  it('sends multifields in REST form with their VALUE_TYPE', () => {
    const { fields, errors } = run(
      { fields: { phone: 'PHONE_MOBILE', email: 'EMAIL_HOME', site: 'WEB_WORK', tg: 'IM_TELEGRAM', skype: 'M_SKYPE' } },
      { phone: '8 (900) 123-45-67', email: 'anna.smirnova@mail.ru', site: 'https://romashka-agro.ru', tg: '@anna_smirnova', skype: 'anna.smirnova' }
    )
    expect(errors).toEqual({})
    expect(fields.PHONE).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'MOBILE' }])
    expect(fields.EMAIL).toEqual([{ VALUE: 'anna.smirnova@mail.ru', VALUE_TYPE: 'HOME' }])
    expect(fields.WEB).toEqual([{ VALUE: 'https://romashka-agro.ru', VALUE_TYPE: 'WORK' }])
    expect(fields.IM).toEqual([{ VALUE: '@anna_smirnova', VALUE_TYPE: 'TELEGRAM' }, { VALUE: 'anna.smirnova', VALUE_TYPE: 'SKYPE' }])
    expect(fields).not.toHaveProperty('PHONE_MOBILE')
    expect(fields).not.toHaveProperty('M_SKYPE')
  })

  it('gives bare PHONE and EMAIL the WORK type and bare IM the OTHER type', () => {
    const { fields } = run({ fields: { tel: 'PHONE', mail: 'EMAIL', messenger: 'IM' } },
      { tel: '+7 495 123-45-67', mail: 'office@romashka-agro.ru', messenger: 'whatsapp +79001234567' })
    expect(fields.PHONE).toEqual([{ VALUE: '+74951234567', VALUE_TYPE: 'WORK' }])
    expect(fields.EMAIL).toEqual([{ VALUE: 'office@romashka-agro.ru', VALUE_TYPE: 'WORK' }])
    expect(fields.IM).toEqual([{ VALUE: 'whatsapp +79001234567', VALUE_TYPE: 'OTHER' }])
  })

  it('accumulates several targets of one type into one array, in submission order', () => {
    const { fields } = run({ fields: { 'mobile-phone': 'PHONE_MOBILE', 'work-phone': 'PHONE_WORK', fax: 'PHONE_FAX' } },
      { 'work-phone': '+7 (495) 987-65-43', 'mobile-phone': '+7 916 555-12-34', fax: '' })
    expect(fields.PHONE).toEqual([
      { VALUE: '+74959876543', VALUE_TYPE: 'WORK' },
      { VALUE: '+79165551234', VALUE_TYPE: 'MOBILE' }
    ])
  })

  it('turns a checkbox group into several entries and drops repeats', () => {
    const { fields } = run({ fields: { 'phones[]': 'PHONE_OTHER', backup: 'PHONE_HOME' } },
      { 'phones[]': ['8 900 123-45-67', '  ', '+7 (812) 123-45-67'], backup: '+7 900 123 45 67' })
    expect(fields.PHONE).toEqual([
      { VALUE: '+79001234567', VALUE_TYPE: 'OTHER' },
      { VALUE: '+78121234567', VALUE_TYPE: 'OTHER' }
    ])
  })

  it('normalizes phones with the form default country and keeps unreadable ones as typed', () => {
    const by = (defaultCountry: string, phone: string): unknown =>
      run({ defaultCountry, fields: { phone: 'PHONE_WORK' } }, { phone }).fields.PHONE
    expect(by('RU', '8 (900) 123-45-67')).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'WORK' }])
    expect(by('GB', '020 7946 0958')).toEqual([{ VALUE: '+442079460958', VALUE_TYPE: 'WORK' }])
    expect(by('DE', '030 901820')).toEqual([{ VALUE: '+4930901820', VALUE_TYPE: 'WORK' }])
    expect(by('RU', '  доб. 305  ')).toEqual([{ VALUE: 'доб. 305', VALUE_TYPE: 'WORK' }])
  })

  it('reports an invalid e-mail by the submitted field name and sends the valid ones', () => {
    const { fields, errors } = run({ fields: { 'your-email': 'EMAIL_WORK', 'Other-Email': 'EMAIL_OTHER' } },
      { 'your-email': 'ivan.petrov@mail,ru', 'Other-Email': ' Ivan@Yandex.RU ' })
    expect(errors).toEqual({ 'your-email': 'invalid_email' })
    expect(fields.EMAIL).toEqual([{ VALUE: 'Ivan@yandex.ru', VALUE_TYPE: 'OTHER' }])
  })

  it('keeps a multifield value the portal would refuse for its length out of the field, in COMMENTS', () => {
    const long = 'https://example.com/' + 'a'.repeat(260)
    const result = run({ language: 'en', fields: { site: 'WEB_WORK' } }, { site: long })
    expect(result.fields.WEB).toBeUndefined()
    expect(result.fields.COMMENTS).toContain(`WEB_WORK: '${long}' is longer than the CRM accepts`)
  })
})

describe('mapSubmission: plain and custom fields', () => {
  it('trims values, skips empty ones and keeps Cyrillic as typed', () => {
    const { fields } = run({ fields: { name: 'NAME', last: 'LAST_NAME', middle: 'SECOND_NAME', city: 'ADDRESS_CITY', post: 'POST' } },
      { name: '  Анна-Мария ', last: 'Смирнова-Ёлкина', middle: '   ', city: 'Санкт-Петербург', post: '' })
    expect(fields).toMatchObject({ NAME: 'Анна-Мария', LAST_NAME: 'Смирнова-Ёлкина', ADDRESS_CITY: 'Санкт-Петербург' })
    expect(fields).not.toHaveProperty('SECOND_NAME')
    expect(fields).not.toHaveProperty('POST')
  })

  it('composes decomposed accents so the CRM search finds the name', () => {
    const { fields } = run({ fields: { name: 'NAME' } }, { name: 'Андреи\u0306' })
    expect(fields.NAME).toBe('Андрей')
  })

  it('joins a checkbox group for a text field and sends an array to a UF_CRM_ field', () => {
    const { fields } = run({ fields: { services: 'SOURCE_DESCRIPTION', options: 'UF_CRM_1711610801', one: 'UF_CRM_SIZE' } },
      { services: ['Доставка', 'Монтаж'], options: ['Доставка', 'Монтаж'], one: ['XL'] })
    expect(fields.SOURCE_DESCRIPTION).toBe('Доставка, Монтаж')
    expect(fields.UF_CRM_1711610801).toEqual(['Доставка', 'Монтаж'])
    expect(fields.UF_CRM_SIZE).toBe('XL')
  })

  it('matches mapping keys exactly, then ignoring case', () => {
    const { fields } = run({ fields: { 'Your-Name': 'NAME', phone: 'PHONE_WORK' } }, { 'your-name': 'Ольга', Phone: '+7 900 123-45-67' })
    expect(fields.NAME).toBe('Ольга')
    expect(fields.PHONE).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'WORK' }])
  })

  it('prefers the exact key when two posted names differ only by case', () => {
    const result = run({ language: 'en', fields: { name: 'NAME' } }, { Name: 'Пётр', name: 'Павел' })
    expect(result.fields.NAME).toBe('Павел')
    expect(commentLines(result)).toContain('Name: Пётр')
  })

  it('keeps a second value for an already filled field as a COMMENTS line', () => {
    const result = run({ fields: { name: 'NAME', 'your-name': 'NAME' }, labels: { 'your-name': 'Имя (второе поле)' } },
      { name: 'Ирина', 'your-name': 'Ира' })
    expect(result.fields.NAME).toBe('Ирина')
    expect(commentLines(result)).toContain('Имя (второе поле): Ира')
  })

  it('writes ids as integers and notes an id that is not one', () => {
    const result = run({ language: 'en', fields: { manager: 'ASSIGNED_BY_ID', contact: 'CONTACT_ID', company: 'COMPANY_ID' } },
      { manager: '17', contact: '  2051 ', company: 'ООО Ромашка' })
    expect(result.fields.ASSIGNED_BY_ID).toBe(17)
    expect(result.fields.CONTACT_ID).toBe(2051)
    expect(result.fields).not.toHaveProperty('COMPANY_ID')
    expect(commentLines(result)).toContain("COMPANY_ID: 'ООО Ромашка' is not a valid id")
  })
})

describe('mapSubmission: OPPORTUNITY and BIRTHDATE', () => {
  it.each([['1 500,50', 1500.5], ['1500.50', 1500.5], ['1 500 ₽', 1500]])('reads the amount %j', (typed, amount) => {
    expect(run({ fields: { budget: 'OPPORTUNITY' } }, { budget: typed }).fields.OPPORTUNITY).toBe(amount)
  })

  it('leaves an unreadable amount out and notes it in COMMENTS', () => {
    const en = run({ language: 'en', fields: { budget: 'OPPORTUNITY' } }, { budget: 'около миллиона' })
    expect(en.fields).not.toHaveProperty('OPPORTUNITY')
    expect(commentLines(en)).toEqual(["OPPORTUNITY: 'около миллиона' is not an amount"])
    const ru = run({ fields: { budget: 'OPPORTUNITY' } }, { budget: 'до 100 тыс.' })
    expect(commentLines(ru)).toEqual(["OPPORTUNITY: не удалось распознать сумму 'до 100 тыс.'"])
  })

  it.each([['14.07.1989', '1989-07-14'], ['1989-07-14', '1989-07-14']])('reads the birth date %j', (typed, date) => {
    expect(run({ fields: { dob: 'BIRTHDATE' } }, { dob: typed }).fields.BIRTHDATE).toBe(date)
  })

  it('leaves an impossible birth date out and notes it in COMMENTS', () => {
    const result = run({ language: 'en', fields: { dob: 'BIRTHDATE' } }, { dob: '31.02.1990' })
    expect(result.fields).not.toHaveProperty('BIRTHDATE')
    expect(commentLines(result)).toEqual(["BIRTHDATE: '31.02.1990' is not a valid date"])
  })

  it('uses the first value of a checkbox group for a typed field and keeps the rest', () => {
    const result = run({ fields: { budget: 'OPPORTUNITY' }, labels: { budget: 'Бюджет' } }, { budget: ['50 000', '70 000'] })
    expect(result.fields.OPPORTUNITY).toBe(50000)
    expect(commentLines(result)).toEqual(['Бюджет: 70 000'])
  })
})

describe('mapSubmission: dictionaries', () => {
  it('accepts dictionary values ignoring case', () => {
    const { fields } = run({ fields: { currency: 'CURRENCY_ID', source: 'SOURCE_ID', product: 'PRODUCT_ID', stage: 'STATUS_ID' } },
      { currency: 'usd', source: 'Web', product: 'product_2', stage: 'in_process' })
    expect(fields).toMatchObject({ CURRENCY_ID: 'USD', SOURCE_ID: 'WEB', PRODUCT_ID: 'PRODUCT_2', STATUS_ID: 'IN_PROCESS' })
  })

  it('leaves an unknown value out and notes it in COMMENTS', () => {
    const en = run({ language: 'en', fields: { source: 'SOURCE_ID', currency: 'CURRENCY_ID' } }, { source: 'xyz', currency: 'BTC' })
    expect(en.fields).not.toHaveProperty('SOURCE_ID')
    expect(en.fields).not.toHaveProperty('CURRENCY_ID')
    expect(commentLines(en)).toEqual(["SOURCE_ID: 'xyz' is not a known value", "CURRENCY_ID: 'BTC' is not a known value"])
    const ru = run({ fields: { source: 'SOURCE_ID' } }, { source: 'Авито' })
    expect(commentLines(ru)).toEqual(["SOURCE_ID: значения 'Авито' нет в справочнике"])
  })

  it('checks against the dictionaries in force for the portal', () => {
    const form = formOf({ fields: { source: 'SOURCE_ID' } })
    const values = { source: 'webform' }
    const builtIn = mapSubmission({ formId: 'order', form, dictionaries: mergeDictionaries(), values, now: NOW })
    expect(builtIn.fields).not.toHaveProperty('SOURCE_ID')
    const portal = mapSubmission({
      formId: 'order',
      form,
      dictionaries: mergeDictionaries({ SOURCE_ID: ['WEB', 'WEBFORM'] }),
      values,
      now: NOW
    })
    expect(portal.fields.SOURCE_ID).toBe('WEBFORM')
  })
})

describe('mapSubmission: required fields', () => {
  it('reports a missing or empty required field', () => {
    const { errors } = run({ fields: { name: 'NAME', phone: 'PHONE_WORK' }, required: ['name', 'phone', 'agree'] },
      { name: '   ', phone: '+7 900 123-45-67' })
    expect(errors).toEqual({ name: 'required', agree: 'required' })
  })

  it('finds a required field ignoring case and accepts a filled checkbox group', () => {
    const { errors } = run({ required: ['Phone', 'services'] }, { phone: '+7 900 123-45-67', services: ['', 'Монтаж'] })
    expect(errors).toEqual({})
  })

  it('still maps what it can when there are errors', () => {
    const { fields, errors } = run({ fields: { name: 'NAME' }, required: ['email'] }, { name: 'Алексей' })
    expect(errors).toEqual({ email: 'required' })
    expect(fields.NAME).toBe('Алексей')
  })
})
