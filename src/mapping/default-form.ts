/** The zero-config field map of the built-in `default` form: common HTML and Contact Form 7 names. */

/**
 * utm_* and click ids need no entry: they are always recorded. CF7's `your-subject` is deliberately
 * absent: it names the lead (see the title) and is kept as a COMMENTS line like any unmapped field.
 */
export const DEFAULT_FORM_FIELDS: Readonly<Record<string, string>> = Object.freeze({
  name: 'NAME',
  'your-name': 'NAME',
  last_name: 'LAST_NAME',
  phone: 'PHONE_WORK',
  tel: 'PHONE_WORK',
  'your-phone': 'PHONE_WORK',
  email: 'EMAIL_WORK',
  'your-email': 'EMAIL_WORK',
  message: 'COMMENTS',
  'your-message': 'COMMENTS',
  comments: 'COMMENTS',
  company: 'COMPANY_TITLE'
})

/** Fields whose value names the request; the fallback title uses the first one submitted. */
export const SUBJECT_FIELDS: readonly string[] = ['your-subject', 'subject', '_subject']
