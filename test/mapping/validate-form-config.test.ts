import { describe, expect, it } from 'vitest'
import { mergeDictionaries } from '../../src/mapping/dictionaries.ts'
import { DEFAULT_FORM_FIELDS } from '../../src/mapping/default-form.ts'
import { validateFormConfig } from '../../src/mapping/validate-form-config.ts'
import { formOf, NOW } from './helpers.ts'

const check = (config: Record<string, unknown>, dictionaries = mergeDictionaries()): string[] =>
  validateFormConfig('order', formOf(config), dictionaries, NOW)

describe('validateFormConfig', () => {
  it('accepts a sound form and the default field map', () => {
    expect(check({
      fields: { ...DEFAULT_FORM_FIELDS, skype: 'M_SKYPE', size: 'uf_crm_1711610801', mobile: 'phone_mobile' },
      defaults: {
        SOURCE_ID: 'WEB',
        STATUS_ID: 'NEW',
        ASSIGNED_BY_ID: 7,
        CURRENCY_ID: 'RUB',
        PRODUCT_ID: 'PRODUCT_1',
        OPPORTUNITY: '1 500',
        UF_CRM_AGREED: true,
        source_description: 'Лендинг'
      }
    })).toEqual([])
  })

  it('reports an unknown target in fields', () => {
    expect(check({ fields: { phone: 'PHONE_CELL', name: 'NAME' } })).toEqual([
      "forms.order.fields.phone: 'PHONE_CELL' is not a lead field (use a name like NAME, PHONE_MOBILE, EMAIL_WORK, COMMENTS or UF_CRM_…)"
    ])
  })

  it('reports an unknown target in defaults', () => {
    expect(check({ defaults: { RESPONSIBLE_ID: 7 } })).toEqual([
      "forms.order.defaults.RESPONSIBLE_ID: 'RESPONSIBLE_ID' is not a lead field (use a name like SOURCE_ID, ASSIGNED_BY_ID or UF_CRM_…)"
    ])
  })

  it('reports a dictionary constant that is not in its dictionary, listing the values', () => {
    expect(check({ defaults: { SOURCE_ID: 'WBE' } })).toEqual([
      "forms.order.defaults.SOURCE_ID: 'WBE' is not in the SOURCE_ID dictionary (SELF, PARTNER, CALL, WEB, EMAIL, CONFERENCE, " +
        'TRADE_SHOW, EMPLOYEE, COMPANY, HR, MAIL, OTHER)'
    ])
    expect(check({ defaults: { CURRENCY_ID: 'rub' } })).toEqual([
      "forms.order.defaults.CURRENCY_ID: 'rub' is not in the CURRENCY_ID dictionary (did you mean 'RUB'? RUB, USD, EUR)"
    ])
    expect(check({ defaults: { STATUS_ID: 'PROCESSED', PRODUCT_ID: 'PRODUCT_3' } })).toHaveLength(2)
  })

  it('checks dictionary constants against the portal dictionaries', () => {
    expect(check({ defaults: { SOURCE_ID: 'WEBFORM' } }, mergeDictionaries({ SOURCE_ID: ['WEBFORM', 'CALLBACK'] }))).toEqual([])
  })

  it('reports an ASSIGNED_BY_ID that is not a positive integer', () => {
    expect(check({ defaults: { ASSIGNED_BY_ID: 'Иванов' } })).toEqual([
      "forms.order.defaults.ASSIGNED_BY_ID: 'Иванов' is not a positive integer (a user id)"
    ])
    expect(check({ defaults: { ASSIGNED_BY_ID: 0 } })).toHaveLength(1)
    expect(check({ defaults: { ASSIGNED_BY_ID: 2.5 } })).toHaveLength(1)
    expect(check({ defaults: { ASSIGNED_BY_ID: '12' } })).toEqual([])
  })

  it('reports unreadable amounts, dates, e-mails and yes/no values for non-custom fields', () => {
    expect(check({ defaults: { OPPORTUNITY: 'много', BIRTHDATE: '31.02.1990', EMAIL_WORK: 'sales@', NAME: true } })).toEqual([
      "forms.order.defaults.OPPORTUNITY: 'много' is not an amount",
      "forms.order.defaults.BIRTHDATE: '31.02.1990' is not a date (dd.mm.yyyy or yyyy-mm-dd)",
      "forms.order.defaults.EMAIL_WORK: 'sales@' is not an e-mail address",
      'forms.order.defaults.NAME: must be text or a number, not true'
    ])
  })
})
