import { describe, expect, it } from 'vitest'
import { normalizeEmail, normalizePhone, parseAmount, parseBirthdate, parsePositiveId } from '../../src/mapping/values.ts'
import { NOW } from './helpers.ts'

describe('parseAmount', () => {
  it.each([
    ['1 500,50', 1500.5],
    ['1500.50', 1500.5],
    ['1 500 ₽', 1500],
    ['1\u00A0500\u00A0руб.', 1500],
    ['250 000 рублей', 250000],
    ['1.500.000', 1500000],
    ['1 234 567,89', 1234567.89],
    ['1,234,567.89', 1234567.89],
    ['1.234,56', 1234.56],
    ['$1,500.50', 1500.5],
    ['€ 99', 99],
    ['2500р', 2500],
    ['0', 0],
    ['1,5', 1.5]
  ])('reads %j as %d', (typed, amount) => {
    expect(parseAmount(typed)).toBe(amount)
  })

  it('reads a lone comma with three digits as a thousands mark in English forms only', () => {
    expect(parseAmount('1,500', 'en')).toBe(1500)
    expect(parseAmount('1,500', 'ru')).toBe(1.5)
  })

  it.each(['около миллиона', '100-200', '-500', '1 500 тыс.', '15k', '', '₽', '1.5.5,3.1', '12 апельсинов'])('refuses %j', (typed) => {
    expect(parseAmount(typed)).toBeUndefined()
  })
})

describe('parseBirthdate', () => {
  it.each([
    ['14.07.1989', '1989-07-14'],
    ['4.7.1989', '1989-07-04'],
    ['1989-07-14', '1989-07-14'],
    ['1989-07-14T00:00:00Z', '1989-07-14'],
    ['29.02.2000', '2000-02-29']
  ])('reads %j as %s', (typed, date) => {
    expect(parseBirthdate(typed, NOW)).toBe(date)
  })

  it.each([
    '31.02.1990', '29.02.2023', '1990-13-01', '00.01.1990', '14/07/1989', '07.14.1989', '14 июля 1989', '1989', '01.01.1850', '01.01.2030'
  ])(
    'refuses %j', (typed) => {
      expect(parseBirthdate(typed, NOW)).toBeUndefined()
    })
})

describe('parsePositiveId', () => {
  it('reads positive integers from text or numbers', () => {
    expect(parsePositiveId('7')).toBe(7)
    expect(parsePositiveId(' 42 ')).toBe(42)
    expect(parsePositiveId(15)).toBe(15)
  })

  it.each([0, -3, 1.5, '0', 'Иван', '7a', '', true])('refuses %j', (value) => {
    expect(parsePositiveId(value)).toBeUndefined()
  })
})

describe('normalizePhone', () => {
  it('writes Russian numbers in E.164', () => {
    expect(normalizePhone('8 (900) 123-45-67', 'RU')).toBe('+79001234567')
    expect(normalizePhone('+7 900 123-45-67', 'RU')).toBe('+79001234567')
    expect(normalizePhone('9001234567', 'RU')).toBe('+79001234567')
    expect(normalizePhone('8 800 555-35-35', 'RU')).toBe('+78005553535')
  })

  it('reads numbers of other countries, with or without their code', () => {
    expect(normalizePhone('+44 20 7946 0958', 'RU')).toBe('+442079460958')
    expect(normalizePhone('020 7946 0958', 'GB')).toBe('+442079460958')
    expect(normalizePhone('+1 (212) 555-0123', 'RU')).toBe('+12125550123')
    expect(normalizePhone('+375 29 123-45-67', 'RU')).toBe('+375291234567')
    expect(normalizePhone('8 (701) 123-45-67', 'KZ')).toBe('+77011234567')
  })

  it('keeps an extension', () => {
    expect(normalizePhone('+7 (495) 123-45-67 доб. 12', 'RU')).toBe('+74951234567 ext. 12')
  })

  it('keeps what the visitor typed when it is not a valid number', () => {
    expect(normalizePhone('  123  ', 'RU')).toBe('123')
    expect(normalizePhone('звонить после 18:00 на 8 900 123-45-67', 'RU')).toBe('звонить после 18:00 на 8 900 123-45-67')
    expect(normalizePhone('не звонить', 'RU')).toBe('не звонить')
  })

  it('survives a default country the library does not know', () => {
    expect(normalizePhone('+7 900 123-45-67', 'XX')).toBe('+79001234567')
    expect(normalizePhone('8 900 123-45-67', 'XX')).toBe('8 900 123-45-67')
  })
})

describe('normalizeEmail', () => {
  it('trims and lowercases the domain only', () => {
    expect(normalizeEmail('  Ivan.Petrov@Yandex.RU ')).toBe('Ivan.Petrov@yandex.ru')
    expect(normalizeEmail('sales+site@romashka-agro.ru')).toBe('sales+site@romashka-agro.ru')
    expect(normalizeEmail('mailto:anna@example.com')).toBe('anna@example.com')
  })

  it('writes a Cyrillic domain in its ASCII form, which the portal accepts', () => {
    expect(normalizeEmail('info@почта.рф')).toBe('info@xn--80a1acny.xn--p1ai')
  })

  it.each(['ivan@', '@mail.ru', 'ivan.mail.ru', 'ivan@mail', 'ivan@mail,ru', 'ivan petrov@mail.ru', 'иван@mail.ru',
    '.ivan@mail.ru', 'ivan..petrov@mail.ru', 'ivan@mail..ru', 'ivan@-mail.ru', '<script>@x.ru', 'a@b@c.ru', ''])('refuses %j', (typed) => {
    expect(normalizeEmail(typed)).toBeUndefined()
  })
})
