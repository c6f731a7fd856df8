import { describe, expect, it } from 'vitest'
import { LEAD_TARGETS, MULTIFIELD_VALUE_TYPES, resolveTarget } from '../../src/mapping/targets.ts'

describe('resolveTarget', () => {
  it('knows the plain lead fields of the field table', () => {
    for (const field of ['TITLE', 'HONORIFIC', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'ADDRESS', 'ADDRESS_2', 'ADDRESS_CITY',
      'ADDRESS_COUNTRY', 'ADDRESS_COUNTRY_CODE', 'ADDRESS_POSTAL_CODE', 'ADDRESS_PROVINCE', 'ADDRESS_REGION',
      'COMPANY_TITLE', 'POST', 'COMMENTS', 'SOURCE_DESCRIPTION', 'STATUS_DESCRIPTION',
      'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_MEDIUM', 'UTM_SOURCE', 'UTM_TERM']) {
      expect(resolveTarget(field), field).toEqual({ kind: 'scalar', field, type: 'text' })
    }
  })

  it('types the fields that are not free text', () => {
    expect(resolveTarget('BIRTHDATE')).toMatchObject({ type: 'date' })
    expect(resolveTarget('OPPORTUNITY')).toMatchObject({ type: 'amount' })
    for (const field of ['STATUS_ID', 'SOURCE_ID', 'CURRENCY_ID', 'PRODUCT_ID']) {
      expect(resolveTarget(field)).toMatchObject({ kind: 'scalar', type: 'dictionary', field })
    }
    for (const field of ['ASSIGNED_BY_ID', 'CONTACT_ID', 'COMPANY_ID']) {
      expect(resolveTarget(field)).toMatchObject({ kind: 'scalar', type: 'id', field })
    }
  })

  it('reads flat multifield names as TYPE + VALUE_TYPE', () => {
    expect(resolveTarget('PHONE_MOBILE')).toEqual({ kind: 'multi', field: 'PHONE', valueType: 'MOBILE' })
    expect(resolveTarget('PHONE_MAILING')).toEqual({ kind: 'multi', field: 'PHONE', valueType: 'MAILING' })
    expect(resolveTarget('EMAIL_HOME')).toEqual({ kind: 'multi', field: 'EMAIL', valueType: 'HOME' })
    expect(resolveTarget('WEB_VK')).toEqual({ kind: 'multi', field: 'WEB', valueType: 'VK' })
    expect(resolveTarget('IM_TELEGRAM')).toEqual({ kind: 'multi', field: 'IM', valueType: 'TELEGRAM' })
    for (const [field, types] of Object.entries(MULTIFIELD_VALUE_TYPES)) {
      for (const valueType of types) expect(LEAD_TARGETS[`${field}_${valueType}`]).toEqual({ kind: 'multi', field, valueType })
    }
  })

  it('accepts the misspelt M_SKYPE of the old field table as IM_SKYPE', () => {
    expect(resolveTarget('M_SKYPE')).toEqual({ kind: 'multi', field: 'IM', valueType: 'SKYPE' })
    expect(resolveTarget('IM_SKYPE')).toEqual({ kind: 'multi', field: 'IM', valueType: 'SKYPE' })
  })

  it('gives bare PHONE, EMAIL and WEB the WORK type and bare IM the OTHER type', () => {
    expect(resolveTarget('PHONE')).toEqual({ kind: 'multi', field: 'PHONE', valueType: 'WORK' })
    expect(resolveTarget('EMAIL')).toEqual({ kind: 'multi', field: 'EMAIL', valueType: 'WORK' })
    expect(resolveTarget('WEB')).toEqual({ kind: 'multi', field: 'WEB', valueType: 'WORK' })
    expect(resolveTarget('IM')).toEqual({ kind: 'multi', field: 'IM', valueType: 'OTHER' })
  })

  it('accepts custom UF_CRM_ fields and forgives case and spaces', () => {
    expect(resolveTarget('UF_CRM_1711610801')).toEqual({ kind: 'custom', field: 'UF_CRM_1711610801' })
    expect(resolveTarget(' uf_crm_product_url ')).toEqual({ kind: 'custom', field: 'UF_CRM_PRODUCT_URL' })
    expect(resolveTarget('phone_mobile')).toEqual({ kind: 'multi', field: 'PHONE', valueType: 'MOBILE' })
  })

  it('returns undefined for unknown names, misspellings and fields nobody may write', () => {
    for (const name of [
      'PHONE_CELL', 'NAMES', 'EMAIL_MOBILE', 'IM_WHATSAPP', 'UF_CRM_', 'UF_TASK_1', 'ID', 'ORIGIN_ID', 'LINK', 'DATE_CREATE', ''
    ]) {
      expect(resolveTarget(name), name).toBeUndefined()
    }
  })
})
