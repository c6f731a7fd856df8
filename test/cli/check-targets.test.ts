import { describe, expect, it } from 'vitest'
import { writtenFields } from '../../src/cli/check-targets.ts'
import { formSchema } from '../../src/config/schema.ts'

describe('check: the fields a form writes', () => {
  it('includes the analytics id targets, each under its config key', () => {
    const form = formSchema.parse({ analytics: { gaClientId: 'UF_CRM_GA', roistatVisit: 'UF_CRM_ROISTAT' } })
    expect(writtenFields('shop', form).map(w => [w.key, w.field])).toEqual([
      ['forms.shop.analytics.gaClientId', 'UF_CRM_GA'],
      ['forms.shop.analytics.roistatVisit', 'UF_CRM_ROISTAT']
    ])
  })
})
