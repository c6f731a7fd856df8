import { describe, expect, it } from 'vitest'
import { DEFAULT_FORM_FIELDS } from '../../src/mapping/default-form.ts'
import { buildTitle } from '../../src/mapping/title.ts'
import { NOW, run } from './helpers.ts'

describe('mapSubmission: TITLE from a template', () => {
  it('fills field placeholders, {{form}}, {{formId}}, {{date}} and {{datetime}}', () => {
    const { fields } = run({ name: 'Заказ звонка', title: '{{form}} ({{formId}}) от {{date}}: {{your-name}}, {{ city }} — {{datetime}}' },
      { 'your-name': 'Сергей', city: 'Тула' }, { formId: 'callback' })
    expect(fields.TITLE).toBe('Заказ звонка (callback) от 14.03.2025: Сергей, Тула — 14.03.2025 09:05')
  })

  it('uses the form id for {{form}} when the form has no name, and finds fields ignoring case', () => {
    const { fields } = run({ title: '{{form}}: {{Product}}' }, { product: 'Кофемашина' }, { formId: 'order-coffee' })
    expect(fields.TITLE).toBe('order-coffee: Кофемашина')
  })

  it('writes missing placeholders as empty and tidies the separators they leave', () => {
    const { fields } = run({ name: 'Заявка с сайта', title: '{{form}}: {{name}}' }, { phone: '+7 900 123-45-67' })
    expect(fields.TITLE).toBe('Заявка с сайта')
  })

  it('joins a checkbox group and flattens line breaks', () => {
    const { fields } = run({ title: 'Услуги: {{services}} / {{comment}}' }, {
      services: ['Монтаж', 'Доставка'],
      comment: 'первая\nвторая'
    })
    expect(fields.TITLE).toBe('Услуги: Монтаж, Доставка / первая вторая')
  })

  it('does not let a posted "form" field replace the form name', () => {
    const { fields } = run({ name: 'Обратный звонок', title: '{{form}}' }, { form: 'Поддельная форма' })
    expect(fields.TITLE).toBe('Обратный звонок')
  })

  it('falls back when the template renders to nothing', () => {
    const { fields } = run({ name: 'Обратный звонок', title: '{{nothing}}' }, { 'your-name': 'Лидия' })
    expect(fields.TITLE).toBe('Обратный звонок')
  })
})

describe('mapSubmission: TITLE fallback', () => {
  it('is "<form>: <name>" with the first and last name', () => {
    const { fields } = run({ name: 'Обратный звонок', fields: { name: 'NAME', surname: 'LAST_NAME', phone: 'PHONE_WORK' } },
      { name: 'Анна', surname: 'Кузнецова', phone: '+7 900 123-45-67' })
    expect(fields.TITLE).toBe('Обратный звонок: Анна Кузнецова')
  })

  it('uses the phone, then the e-mail, when there is no name', () => {
    const form = { fields: { phone: 'PHONE_WORK', email: 'EMAIL_WORK' } }
    expect(run(form, { phone: '8 900 123-45-67', email: 'a@b.ru' }, { formId: 'callback' }).fields.TITLE).toBe('callback: +79001234567')
    expect(run(form, { email: 'kuznetsova@yandex.ru' }, { formId: 'callback' }).fields.TITLE).toBe('callback: kuznetsova@yandex.ru')
  })

  it('is the form name or id alone when nothing identifies the visitor', () => {
    expect(run({}, { question: 'Сколько стоит доставка?' }, { formId: 'faq' }).fields.TITLE).toBe('faq')
    expect(run({ name: 'Вопрос' }, {}).fields.TITLE).toBe('Вопрос')
  })

  it('puts the CF7 subject before the name in the default form', () => {
    const { fields } = run({ name: 'Контакты', fields: { ...DEFAULT_FORM_FIELDS } },
      { 'your-name': 'Павел Орлов', 'your-email': 'orlov@example.ru', 'your-subject': 'Вопрос по доставке' })
    expect(fields.TITLE).toBe('Контакты: Вопрос по доставке — Павел Орлов')
  })

  it('uses a value mapped to TITLE, then a constant TITLE, before the fallback', () => {
    expect(run({ fields: { topic: 'TITLE' }, defaults: { TITLE: 'Лид с лендинга' } }, { topic: 'Кухня на заказ' }).fields.TITLE)
      .toBe('Кухня на заказ')
    expect(run({ fields: { topic: 'TITLE' }, defaults: { TITLE: 'Лид с лендинга' } }, { topic: ' ' }).fields.TITLE).toBe('Лид с лендинга')
  })

  it('prefers the template over a value mapped to TITLE', () => {
    expect(run({ title: 'Сайт: {{topic}}', fields: { topic: 'TITLE' } }, { topic: 'Кухня' }).fields.TITLE).toBe('Сайт: Кухня')
  })
})

describe('buildTitle', () => {
  const base = { formLabel: 'Форма', formId: 'form', now: NOW, field: (): undefined => undefined }

  it('is never longer than 255 characters and never splits a character', () => {
    const title = buildTitle({ ...base, template: '😀'.repeat(300) })
    expect(Array.from(title)).toHaveLength(255)
    expect(title.endsWith('…')).toBe(true)
    expect(title).not.toMatch(/[\uD800-\uDBFF]…$/)
  })

  it('is never empty', () => {
    expect(buildTitle({ ...base, formLabel: ' : ', template: ' - ' })).toBe('form')
  })
})
