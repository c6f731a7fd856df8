import { describe, expect, it } from 'vitest'
import { BUILTIN_DICTIONARIES, matchDictionaryValue, mergeDictionaries } from '../../src/mapping/dictionaries.ts'

describe('BUILTIN_DICTIONARIES', () => {
  it('holds the stock values in table order', () => {
    const values = Object.fromEntries(Object.entries(BUILTIN_DICTIONARIES).map(([name, list]) => [name, list.map((e) => e.value)]))
    expect(values).toEqual({
      STATUS_ID: ['NEW', 'ASSIGNED', 'DETAILS', 'CANNOT_CONTACT', 'IN_PROCESS', 'ON_HOLD', 'RESTORED', 'CONVERTED', 'JUNK'],
      SOURCE_ID: ['SELF', 'PARTNER', 'CALL', 'WEB', 'EMAIL', 'CONFERENCE', 'TRADE_SHOW', 'EMPLOYEE', 'COMPANY', 'HR', 'MAIL', 'OTHER'],
      PRODUCT_ID: ['PRODUCT_1', 'PRODUCT_2', 'OTHER'],
      CURRENCY_ID: ['RUB', 'USD', 'EUR']
    })
  })

  it('labels RESTORED and CONVERTED the right way round', () => {
    const label = (value: string): string | undefined => BUILTIN_DICTIONARIES.STATUS_ID.find((e) => e.value === value)?.label
    expect(label('RESTORED')).toBe('Восстановлен')
    expect(label('CONVERTED')).toBe('Сконвертирован')
    expect(BUILTIN_DICTIONARIES.CURRENCY_ID.find((e) => e.value === 'USD')?.label).toBe('Доллар США')
  })
})

describe('mergeDictionaries', () => {
  it('gives the built-in values when the portal overrides nothing', () => {
    expect(mergeDictionaries().SOURCE_ID).toContain('WEB')
    expect(mergeDictionaries({}).CURRENCY_ID).toEqual(['RUB', 'USD', 'EUR'])
  })

  it('replaces each overridden list whole and keeps the others', () => {
    const merged = mergeDictionaries({ SOURCE_ID: ['WEB', 'WEBFORM', 'CALLBACK'], CURRENCY_ID: ['KZT', 'RUB'] })
    expect(merged.SOURCE_ID).toEqual(['WEB', 'WEBFORM', 'CALLBACK'])
    expect(merged.CURRENCY_ID).toEqual(['KZT', 'RUB'])
    expect(merged.STATUS_ID).toContain('NEW')
    expect(merged.PRODUCT_ID).toEqual(['PRODUCT_1', 'PRODUCT_2', 'OTHER'])
  })
})

describe('matchDictionaryValue', () => {
  const currencies = ['RUB', 'USD', 'EUR']

  it('matches exactly, then ignoring case', () => {
    expect(matchDictionaryValue('CURRENCY_ID', currencies, 'USD')).toBe('USD')
    expect(matchDictionaryValue('CURRENCY_ID', currencies, ' usd ')).toBe('USD')
    expect(matchDictionaryValue('CURRENCY_ID', currencies, 'Eur')).toBe('EUR')
  })

  it('matches a built-in label when its value is in force', () => {
    expect(matchDictionaryValue('SOURCE_ID', mergeDictionaries().SOURCE_ID, 'звонок')).toBe('CALL')
    expect(matchDictionaryValue('SOURCE_ID', ['WEB'], 'Звонок')).toBeUndefined()
  })

  it('gives undefined for an unknown value', () => {
    expect(matchDictionaryValue('CURRENCY_ID', currencies, 'BTC')).toBeUndefined()
    expect(matchDictionaryValue('SOURCE_ID', mergeDictionaries().SOURCE_ID, 'xyz')).toBeUndefined()
    expect(matchDictionaryValue('SOURCE_ID', mergeDictionaries().SOURCE_ID, '  ')).toBeUndefined()
  })
})
