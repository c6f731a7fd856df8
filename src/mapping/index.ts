/** The mapping engine's public surface: form submission → crm.lead.add fields. */
export { mapSubmission, type DroppedValue, type MapInput, type MapResult } from './map-submission.ts'
export { validateFormConfig } from './validate-form-config.ts'
export { BUILTIN_DICTIONARIES, DICTIONARY_NAMES, mergeDictionaries, matchDictionaryValue, type DictionaryEntry } from './dictionaries.ts'
export {
  LEAD_TARGETS, MULTIFIELD_VALUE_TYPES, resolveTarget,
  type DictionaryName, type LeadTarget, type MultiFieldType, type ScalarType
} from './targets.ts'
export { DEFAULT_FORM_FIELDS, SUBJECT_FIELDS } from './default-form.ts'
export { CONSTANT_WINS } from './constants.ts'
export { FIELD_ERRORS } from './lead-draft.ts'
export { TITLE_MAX } from './title.ts'
export { CLICK_ID_KEYS, UTM_KEYS, parsePageUrl } from './tracking.ts'
export { normalizeEmail, normalizePhone, parseAmount, parseBirthdate, parsePositiveId } from './values.ts'
