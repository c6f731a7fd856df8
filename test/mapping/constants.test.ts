import { describe, expect, it } from 'vitest'
import { commentLines, run } from './helpers.ts'

describe('mapSubmission: form constants', () => {
  it('writes constants as given, ids as integers and amounts as numbers', () => {
    const { fields } = run({
      defaults: {
        SOURCE_ID: 'WEB',
        STATUS_ID: 'NEW',
        ASSIGNED_BY_ID: '7',
        CURRENCY_ID: 'RUB',
        OPPORTUNITY: '10 000',
        UF_CRM_SITE: 'romashka-agro.ru',
        UF_CRM_PRIORITY: 3,
        UF_CRM_AGREED: true
      }
    }, { name: 'Ольга' })
    expect(fields).toMatchObject({
      SOURCE_ID: 'WEB',
      STATUS_ID: 'NEW',
      ASSIGNED_BY_ID: 7,
      CURRENCY_ID: 'RUB',
      OPPORTUNITY: 10000,
      UF_CRM_SITE: 'romashka-agro.ru',
      UF_CRM_PRIORITY: 3,
      UF_CRM_AGREED: 'Y'
    })
  })

  it('lets the constant win for SOURCE_ID, STATUS_ID and ASSIGNED_BY_ID and keeps the visitor value as a line', () => {
    const result = run({
      fields: { source: 'SOURCE_ID', stage: 'STATUS_ID', manager: 'ASSIGNED_BY_ID' },
      labels: { source: 'Откуда узнали' },
      defaults: { SOURCE_ID: 'WEB', STATUS_ID: 'NEW', ASSIGNED_BY_ID: 7 }
    }, { source: 'CALL', stage: 'CONVERTED', manager: '1' })
    expect(result.fields).toMatchObject({ SOURCE_ID: 'WEB', STATUS_ID: 'NEW', ASSIGNED_BY_ID: 7 })
    expect(commentLines(result)).toEqual(['Откуда узнали: CALL', 'stage: CONVERTED', 'manager: 1'])
  })

  it('lets the visitor win for every other field; the constant fills in when the visitor gives nothing', () => {
    const form = {
      fields: { currency: 'CURRENCY_ID', company: 'COMPANY_TITLE', budget: 'OPPORTUNITY' },
      defaults: { CURRENCY_ID: 'RUB', COMPANY_TITLE: 'Частное лицо', OPPORTUNITY: 5000 }
    }
    expect(run(form, { currency: 'usd', company: 'ООО «Ромашка»', budget: '1 200' }).fields)
      .toMatchObject({ CURRENCY_ID: 'USD', COMPANY_TITLE: 'ООО «Ромашка»', OPPORTUNITY: 1200 })
    expect(run(form, { currency: '', company: ' ' }).fields)
      .toMatchObject({ CURRENCY_ID: 'RUB', COMPANY_TITLE: 'Частное лицо', OPPORTUNITY: 5000 })
  })

  it('falls back to the constant when the visitor value is not in the dictionary', () => {
    const result = run({ language: 'en', fields: { currency: 'CURRENCY_ID' }, defaults: { CURRENCY_ID: 'RUB' } }, { currency: 'BTC' })
    expect(result.fields.CURRENCY_ID).toBe('RUB')
    expect(commentLines(result)).toEqual(["CURRENCY_ID: 'BTC' is not a known value"])
  })

  it('adds a multifield constant to the visitor values and lets UTM from the visitor win', () => {
    const { fields } = run({ fields: { phone: 'PHONE_MOBILE' }, defaults: { PHONE_WORK: '+7 495 000-00-00', UTM_SOURCE: 'site' } },
      { phone: '+7 900 123-45-67', utm_source: 'yandex' })
    expect(fields.PHONE).toEqual([{ VALUE: '+79001234567', VALUE_TYPE: 'MOBILE' }, { VALUE: '+7 495 000-00-00', VALUE_TYPE: 'WORK' }])
    expect(fields.UTM_SOURCE).toBe('yandex')
    expect(run({ defaults: { UTM_SOURCE: 'site' } }, {}).fields.UTM_SOURCE).toBe('site')
  })

  it('uses a COMMENTS constant only when the lead has no comments, as plain text', () => {
    expect(run({ defaults: { COMMENTS: 'Заявка с <b>лендинга</b>' } }, { name: 'x' }).fields.COMMENTS).toBe('name: x')
    expect(run({ defaults: { COMMENTS: 'Заявка с <b>лендинга</b>' } }, {}).fields.COMMENTS).toBe('Заявка с &lt;b&gt;лендинга&lt;/b&gt;')
  })
})
