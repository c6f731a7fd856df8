import { describe, expect, it } from 'vitest'
import { DEFAULT_FORM_FIELDS } from '../../src/mapping/default-form.ts'
import { commentLines, run } from './helpers.ts'

describe('mapSubmission: COMMENTS', () => {
  it('keeps every unmapped field as a "label: value" line, labels from the form or the field name', () => {
    const result = run({ fields: { name: 'NAME' }, labels: { delivery: 'Способ доставки' } },
      { name: 'Мария', delivery: 'Самовывоз', 'Размер обуви': '38', extras: ['Подарочная упаковка', 'Открытка'] })
    expect(result.fields.COMMENTS).toBe('Способ доставки: Самовывоз<br>Размер обуви: 38<br>extras: Подарочная упаковка, Открытка')
  })

  it('puts fields mapped to COMMENTS first, then the other lines', () => {
    const result = run({ fields: { ...DEFAULT_FORM_FIELDS } }, {
      'your-name': 'Дмитрий',
      'your-subject': 'Оптовый заказ',
      'your-message': 'Нужно 200 штук к 1 апреля.\nДоставка в Казань.',
      city: 'Казань'
    })
    expect(result.fields.COMMENTS)
      .toBe('Нужно 200 штук к 1 апреля.<br>Доставка в Казань.<br><br>your-subject: Оптовый заказ<br>city: Казань')
  })

  it('joins several fields mapped to COMMENTS as paragraphs', () => {
    const result = run({ fields: { message: 'COMMENTS', comments: 'COMMENTS' } }, {
      message: 'Перезвоните утром.',
      comments: 'Лучше в WhatsApp.'
    })
    expect(result.fields.COMMENTS).toBe('Перезвоните утром.<br><br>Лучше в WhatsApp.')
  })

  it('leaves unmapped fields out when the form says so, but keeps notes and mapped comments', () => {
    const result = run({ language: 'en', unmappedToComments: false, fields: { message: 'COMMENTS', budget: 'OPPORTUNITY' } },
      { message: 'Call me back', budget: 'a lot', city: 'Tver' })
    expect(result.fields.COMMENTS).toBe("Call me back<br><br>OPPORTUNITY: 'a lot' is not an amount")
  })

  it('has no COMMENTS when there is nothing to say', () => {
    const result = run({ fields: { name: 'NAME' } }, { name: 'Олег', _wpcf7: '12', empty: '  ' })
    expect(result.fields).not.toHaveProperty('COMMENTS')
  })

  it('drops technical fields: CF7 internals, nonces, captcha tokens and honeypots', () => {
    const result = run({ fields: { name: 'NAME' } }, {
      name: 'Олег',
      _wpcf7: '12',
      _wpcf7_version: '5.9.8',
      _wpcf7_locale: 'ru_RU',
      _wpcf7_unit_tag: 'wpcf7-f12-p34-o1',
      _wpcf7_container_post: '34',
      _wpcf7_posted_data_hash: '',
      _wpcf7_recaptcha_response: '03AFcWeA',
      _wpnonce: 'a1b2c3',
      _charset_: 'UTF-8',
      _gotcha: '',
      _next: 'https://example.ru/thanks',
      _ts: '1710400000',
      'g-recaptcha-response': '03AGdBq2',
      'cf-turnstile-response': '0.zX',
      'h-captcha-response': 'P1_ey',
      'smart-token': 'dD0x',
      question: 'Есть ли рассрочка?'
    })
    expect(result.fields.COMMENTS).toBe('question: Есть ли рассрочка?')
  })

  it('keeps CF7 special tags with readable labels in the form language', () => {
    const values = {
      'your-name': 'Ivan',
      _remote_ip: '203.0.113.7',
      _user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      _post_title: 'Кофемашина DeLonghi Magnifica S',
      _post_url: 'https://shop.example.ru/coffee/magnifica-s/',
      _date: '14.03.2025',
      _serial_number: '1042',
      _site_custom_thing: 'x'
    }
    // _post_url is a product page source by default: pinned away here to show its label.
    const pinned = { productUrl: { sources: ['page_url'] } }
    const ru = run({ ...pinned, fields: { 'your-name': 'NAME' } }, values)
    expect(commentLines(ru)).toEqual([
      'IP-адрес: 203.0.113.7',
      'Браузер: Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      'Заголовок страницы: Кофемашина DeLonghi Magnifica S',
      'Ссылка на страницу: https://shop.example.ru/coffee/magnifica-s/',
      'Дата: 14.03.2025',
      'Номер заявки: 1042',
      '_site_custom_thing: x'
    ])
    const en = run({ ...pinned, language: 'en', fields: { 'your-name': 'NAME' }, labels: { _date: 'Sent on' } }, values)
    expect(commentLines(en).slice(0, 5)).toEqual([
      'IP address: 203.0.113.7',
      'Browser: Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      'Page title: Кофемашина DeLonghi Magnifica S',
      'Page link: https://shop.example.ru/coffee/magnifica-s/',
      'Sent on: 14.03.2025'
    ])
  })

  it('neutralizes HTML the visitor typed so nothing executable reaches the CRM', () => {
    const result = run({ fields: { message: 'COMMENTS' }, labels: { note: 'Примечание <b>' } }, {
      message: '<script>alert("xss")</script> Цена < 500 & > 100',
      note: '<img src=x onerror=alert(1)>',
      'a<b>': 'c'
    })
    expect(result.fields.COMMENTS).toBe(
      '&lt;script&gt;alert("xss")&lt;/script&gt; Цена &lt; 500 &amp; &gt; 100<br><br>' +
      'Примечание &lt;b&gt;: &lt;img src=x onerror=alert(1)&gt;<br>' +
      'a&lt;b&gt;: c'
    )
    expect(String(result.fields.COMMENTS).split('<br>').join('')).not.toMatch(/[<>]/)
  })

  it('strips control characters but keeps line breaks and tabs', () => {
    const result = run({ fields: { message: 'COMMENTS' } }, { message: 'Строка 1\r\nСтрока\t2\u0000\u0007\u001b[31m\rСтрока 3\u0085' })
    expect(result.fields.COMMENTS).toBe('Строка 1<br>Строка\t2[31m<br>Строка 3')
  })

  it('strips control characters from plain fields too', () => {
    const result = run({ fields: { name: 'NAME' } }, { name: 'Ан\u0000на\u200B' })
    expect(result.fields.NAME).toBe('Анна\u200B')
  })

  it('keeps Cyrillic values and labels as typed', () => {
    const result = run({ fields: {}, labels: { wish: 'Пожелания к заказу' } }, { wish: 'Ёлка 2 м, доставка 31.12 — к 18:00 «срочно»' })
    expect(result.fields.COMMENTS).toBe('Пожелания к заказу: Ёлка 2 м, доставка 31.12 — к 18:00 «срочно»')
  })
})
