import { describe, expect, it } from 'vitest'
import { invalidValuesFor } from '../../src/mapping/invalid-values.ts'
import { formOf, commentLines, run } from './helpers.ts'

const SECRET = 'server-secret-0123456789'
const ODD = ['anna..petrova@example.ru', 'anna@example.r', '.anna@mail.ru']

describe('a value the visitor cannot fix never refuses a lead', () => {
  it('defaults: server senders keep, browser forms ask', () => {
    expect(invalidValuesFor(formOf({ secret: SECRET }))).toBe('keep')
    expect(invalidValuesFor(formOf({ hmacSecret: SECRET }))).toBe('keep')
    expect(invalidValuesFor(formOf({}), 'WordPress/7.0.4; http://127.0.0.1:19010')).toBe('keep')
    expect(invalidValuesFor(formOf({}), 'Mozilla/5.0 (X11; Linux x86_64)')).toBe('ask')
    expect(invalidValuesFor(formOf({}))).toBe('ask')
    expect(invalidValuesFor(formOf({ secret: SECRET, invalidValues: 'ask' }))).toBe('ask')
    expect(invalidValuesFor(formOf({ invalidValues: 'keep' }))).toBe('keep')
  })

  it.each(ODD)('a server sender keeps %s as typed in COMMENTS, in the form language, and counts it', (email) => {
    const ru = run({ secret: SECRET, fields: { 'your-email': 'EMAIL_WORK', 'tel-1': 'PHONE_MOBILE' } },
      { 'your-email': email, 'tel-1': '8 (900) 123-45-67' })
    expect(ru.errors).toEqual({})
    expect(ru.fields.EMAIL).toBeUndefined()
    expect(ru.fields.PHONE).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'MOBILE' }])
    expect(commentLines(ru)).toEqual([`your-email: '${email}' не удалось использовать как адрес e-mail`])
    expect(ru.kept).toEqual([{ field: 'EMAIL_WORK', check: 'email' }])
    const en = run({ secret: SECRET, language: 'en', labels: { 'your-email': 'E-mail' }, fields: { 'your-email': 'EMAIL_WORK' } },
      { 'your-email': email })
    expect(commentLines(en)).toEqual([`E-mail: '${email}' could not be used as an e-mail address`])
  })

  it('a browser form still answers a field-named error, unless it chooses keep', () => {
    const asked = run({ fields: { email: 'EMAIL_WORK' } }, { email: 'anna..petrova@example.ru' })
    expect(asked.errors).toEqual({ email: 'invalid_email' })
    const kept = run({ invalidValues: 'keep', fields: { email: 'EMAIL_WORK' } }, { email: 'anna..petrova@example.ru' })
    expect(kept.errors).toEqual({})
  })

  it('a required field a server sender left empty is noted, not refused; a browser form is asked', () => {
    const kept = run({ secret: SECRET, required: ['tel-1'], labels: { 'tel-1': 'Телефон' } }, { 'your-name': 'Анна' })
    expect(kept.errors).toEqual({})
    expect(commentLines(kept)).toEqual(['Телефон: обязательное поле не заполнено', 'your-name: Анна'])
    expect(kept.kept).toEqual([{ field: 'tel-1', check: 'required' }])
    expect(run({ required: ['tel-1'] }, { 'your-name': 'Анна' }).errors).toEqual({ 'tel-1': 'required' })
  })

  it('every other check keeps the value and counts it, for every sender', () => {
    const result = run({ secret: SECRET, fields: { d: 'BIRTHDATE', a: 'OPPORTUNITY', s: 'SOURCE_ID', u: 'ASSIGNED_BY_ID' } },
      { d: '31.02.1990', a: 'дорого', s: 'Голубиная почта', u: 'Маша' })
    expect(result.errors).toEqual({})
    expect(result.kept.map((k) => k.check).sort()).toEqual(['amount', 'date', 'dictionary', 'id'])
    expect(commentLines(result)).toHaveLength(4)
  })
})
