import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { mapExtras, parseQuantity, readProductRow } from '../../src/mapping/extras.ts'

const HOOK = { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' }
const formOf = (form: Record<string, unknown>) => buildConfig({ forms: { f: { portal: 'default', ...form } } }, HOOK).forms.f!

describe('extras of a submission', () => {
  it('a plain form has none (it keeps the plain batch path)', () => {
    expect(mapExtras({ form: formOf({}), values: { name: 'a' }, fields: { NAME: 'a' } })).toBeUndefined()
  })

  it('carries duplicates, entity, timeline and the list fields the lead actually holds', () => {
    const form = formOf({ duplicates: 'merge', timeline: true, listFields: ['uf_crm_city', 'UF_CRM_SIZE'] })
    expect(mapExtras({ form, values: {}, fields: { UF_CRM_CITY: 'Москва' } }))
      .toEqual({ duplicates: 'merge', timeline: true, listFields: ['UF_CRM_CITY'] })
    expect(mapExtras({ form: formOf({ entity: 'deal' }), values: {}, fields: {} })).toEqual({ entity: 'deal' })
  })

  it('ASSIGNED_BY_ID as a list: the first user is the constant, the list rotates; one user does not rotate', () => {
    const form = formOf({ defaults: { ASSIGNED_BY_ID: [7, 9, 12] } })
    expect(form.defaults.ASSIGNED_BY_ID).toBe(7)
    expect(form.assignees).toEqual([7, 9, 12])
    expect(mapExtras({ form, values: {}, fields: {} })).toEqual({ assignees: [7, 9, 12] })
    expect(mapExtras({ form: formOf({ defaults: { ASSIGNED_BY_ID: [7] } }), values: {}, fields: {} })).toBeUndefined()
    expect(() => formOf({ defaults: { ASSIGNED_BY_ID: [7, 0] } })).toThrow(/forms\.f\.assignees\.1/)
    expect(() => formOf({ defaults: { ASSIGNED_BY_ID: [] } })).toThrow(/forms\.f\.assignees/)
  })

  it('reads a product row: name, an amount as people type it, a quantity (default 1)', () => {
    const form = formOf({ product: { name: 'item', price: 'price', quantity: 'qty' } })
    expect(readProductRow(form, { item: '  Диван   «Уют» ', price: '12 500,50 ₽', qty: '2 шт.' }))
      .toEqual({ PRODUCT_NAME: 'Диван «Уют»', PRICE: 12500.5, QUANTITY: 2 })
    expect(readProductRow(form, { Item: 'Стол' })).toEqual({ PRODUCT_NAME: 'Стол', PRICE: 0, QUANTITY: 1 })
    expect(readProductRow(form, { item: 'Стул', price: 'договорная', qty: '0' })).toEqual({ PRODUCT_NAME: 'Стул', PRICE: 0, QUANTITY: 1 })
    expect(readProductRow(form, { price: '10' })).toBeUndefined()
    expect(readProductRow(form, { item: 'x'.repeat(300) })?.PRODUCT_NAME).toHaveLength(255)
    expect(mapExtras({ form, values: { item: 'Стол', price: '10' }, fields: {} }))
      .toEqual({ product: { PRODUCT_NAME: 'Стол', PRICE: 10, QUANTITY: 1 } })
  })

  it('parseQuantity takes a leading positive number only', () => {
    expect([parseQuantity('3'), parseQuantity('1,5'), parseQuantity('2 pcs'), parseQuantity('-1'), parseQuantity('x')])
      .toEqual([3, 1.5, 2, undefined, undefined])
  })

  it('keeps the files accepted at intake with the form\'s rules and target', () => {
    const form = formOf({ files: { maxBytes: 100, types: ['.pdf'], target: 'uf_crm_docs' } })
    const file = { field: 'doc', name: 'a.pdf', type: 'application/pdf', size: 3, content: 'YWJj' }
    expect(mapExtras({ form, values: {}, fields: {}, files: [file] })).toEqual({
      files: { items: [file], target: 'UF_CRM_DOCS', rules: { maxBytes: 100, types: ['.pdf'], download: false, downloadTimeoutMs: 15000 } }
    })
    expect(mapExtras({ form, values: {}, fields: {}, files: [] })).toBeUndefined()
  })
})
