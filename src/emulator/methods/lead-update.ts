/** crm.lead.update: scalars and user fields replace, multifields are appended, file fields take fileData. */
import { isoWithOffset } from '../envelope.ts'
import { crmError, crmValidationError } from '../rest-error.ts'
import { resolveArrayParam } from '../request-params.ts'
import type { MethodFamily } from '../registry.ts'
import type { StoredMultiValue } from '../types.ts'
import { requireEntityId } from './contact-entity.ts'
import { isMultiField, isUserFieldName, standardField } from './lead-fields.ts'
import { normalizeMultiField, validateMultiField, withIds } from './multifield.ts'
import { internalizeFileField, isFileValue } from './userfield-files.ts'

export const leadUpdateMethods: MethodFamily = registry => {
  registry.add('crm.lead.update', {
    scope: 'crm',
    handler: (params, { state }) => {
      const lead = state.lead(requireEntityId(params))
      if (lead === undefined) throw crmError('Not found')
      const sent = resolveArrayParam(params, 'fields')
      if (sent === undefined) throw crmError("Parameter 'fields' must be array.")
      const errors: string[] = []
      const next: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(sent)) {
        if (isMultiField(key)) {
          const items = normalizeMultiField(key, value)
          errors.push(...validateMultiField(key, items, state.settings.quirks.strictLeadValidation))
          const prev = (lead.fields[key] as StoredMultiValue[] | undefined) ?? []
          next[key] = [...prev, ...withIds(items, () => state.nextMultiValueId())]
        } else if (isUserFieldName(key)) {
          next[key] = isFileValue(value) ? internalizeFileField(state, value) : value
        } else {
          const def = standardField(key)
          if (def !== undefined && def.ro !== true && key !== 'ID') next[key] = value
        }
      }
      if (errors.length > 0) throw crmValidationError(errors, state.settings.quirks)
      Object.assign(lead.fields, next, { DATE_MODIFY: isoWithOffset(Date.now()) })
      return { result: true }
    }
  })
}
