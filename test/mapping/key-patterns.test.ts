import { describe, expect, it } from 'vitest'
import { createKeyLookup, keyPattern } from '../../src/mapping/field-names.ts'
import { commentLines, run } from './helpers.ts'

describe('field map keys with "*" (Contact Form 7 generated names)', () => {
  it('a pattern matches any run of characters, ignoring case, and nothing else', () => {
    const tel = keyPattern('tel-*')
    expect(['tel-123', 'TEL-9', 'tel-'].filter((name) => tel.test(name))).toEqual(['tel-123', 'TEL-9', 'tel-'])
    expect(['tel', 'my-tel-1', 'telephone'].filter((name) => tel.test(name))).toEqual([])
    // Regex characters in a key stand for themselves.
    expect(keyPattern('a.b*').test('a.b1')).toBe(true)
    expect(keyPattern('a.b*').test('axb1')).toBe(false)
    expect(keyPattern('f(1)*').test('f(1)x')).toBe(true)
  })

  it('exact and case-insensitive keys win over patterns; patterns are tried in config order', () => {
    const lookup = createKeyLookup({ 'tel-*': 'PHONE_WORK', 'tel-2': 'PHONE_MOBILE', 'TEL-3': 'PHONE_HOME', '*': 'UF_CRM_ANY' }, [
      'tel-1', 'tel-2', 'tel-3', 'x'
    ])
    expect(lookup('tel-1')).toBe('PHONE_WORK')
    expect(lookup('tel-2')).toBe('PHONE_MOBILE')
    expect(lookup('tel-3')).toBe('PHONE_HOME')
    expect(lookup('x')).toBe('UF_CRM_ANY')
  })

  it('maps CF7 default names through configuration only', () => {
    const result = run({
      language: 'ru',
      fields: { 'your-name': 'NAME', 'your-email': 'EMAIL_WORK', 'tel-*': 'PHONE_MOBILE', 'menu-*': 'UF_CRM_SERVICE' },
      labels: { 'checkbox-*': 'Опции' }
    }, {
      'your-name': 'Анна',
      'your-email': 'anna@example.ru',
      'tel-417': '8 (912) 345-67-89',
      'menu-802': 'Доставка',
      'checkbox-55': ['Сборка', 'Подъём на этаж']
    })
    expect(result.errors).toEqual({})
    expect(result.fields.PHONE).toEqual([{ VALUE: '+79123456789', VALUE_TYPE: 'MOBILE' }])
    expect(result.fields.UF_CRM_SERVICE).toBe('Доставка')
    expect(commentLines(result)).toEqual(['Опции: Сборка, Подъём на этаж'])
  })
})
