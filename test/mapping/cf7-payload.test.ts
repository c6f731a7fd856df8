import { describe, expect, it } from 'vitest'
import { DEFAULT_FORM_FIELDS } from '../../src/mapping/default-form.ts'
import { run } from './helpers.ts'

describe('mapSubmission: a Contact Form 7 webhook body through the default form', () => {
  it('maps the common fields, records tracking and keeps everything else readable', () => {
    const result = run({ name: 'Website form', fields: { ...DEFAULT_FORM_FIELDS }, defaults: { SOURCE_ID: 'WEB' } }, {
      _url: 'https://shop.example.ru/p/x/?utm_source=ya&utm_medium=cpc&yclid=4471',
      title: 'Товар X',
      _remote_ip: '203.0.113.7',
      'your-name': 'Иван',
      'your-email': 'ivan@Example.RU',
      'your-phone': '+7 900 000-00-00',
      'your-subject': 'Хочу купить товар X',
      'your-message': 'Есть ли доставка в Самару? <b>Срочно</b>',
      utm_source: 'ya',
      options: ['A', 'B'],
      'acceptance-1': '1',
      'file-1': 'https://shop.example.ru/wp-content/uploads/cf7-to-webhook-uploads/12/65a1f/file-1-cv.pdf',
      _wpcf7: '12',
      _wpcf7_unit_tag: 'wpcf7-f12-p34-o1'
    }, { formId: 'default', referer: 'https://shop.example.ru/' })

    expect(result.errors).toEqual({})
    expect(result.fields).toEqual({
      TITLE: 'Website form: Хочу купить товар X — Иван',
      NAME: 'Иван',
      EMAIL: [{ VALUE: 'ivan@example.ru', VALUE_TYPE: 'WORK' }],
      PHONE: [{ VALUE: '+79000000000', VALUE_TYPE: 'WORK' }],
      SOURCE_ID: 'WEB',
      UTM_SOURCE: 'ya',
      UTM_MEDIUM: 'cpc',
      COMMENTS: [
        'Есть ли доставка в Самару? &lt;b&gt;Срочно&lt;/b&gt;',
        '',
        'title: Товар X',
        'IP-адрес: 203.0.113.7',
        'your-subject: Хочу купить товар X',
        'options: A, B',
        'acceptance-1: 1',
        'file-1: https://shop.example.ru/wp-content/uploads/cf7-to-webhook-uploads/12/65a1f/file-1-cv.pdf',
        'Страница товара: https://shop.example.ru/p/x/',
        'yclid: 4471'
      ].join('<br>')
    })
  })
})
