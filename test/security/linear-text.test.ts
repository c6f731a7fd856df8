/**
 * Every pass over visitor text is linear: each function that reads a visitor's value runs on
 * adversarial 1 MB inputs (long runs of one character, and the mixes that make overlapping regex
 * quantifiers retry from every position). A linear pass finishes in milliseconds; a quadratic one
 * needs about 10^12 steps on these inputs, minutes to hours, so the per-input timeout is the bound.
 */
import { describe, expect, it } from 'vitest'
import { maskDeep, maskEmail, maskPhone, maskText } from '../../src/http/routes/admin-mask.ts'
import { portalText } from '../../src/http/routes/status-page-render.ts'
import { maskEmails, maskPhones, scrubLogLine } from '../../src/observability/logger.ts'
import { emailSpans, phoneSpans } from '../../src/text/contact-spans.ts'
import { normalizeEmail, normalizePhone, parseAmount, parseBirthdate } from '../../src/mapping/values.ts'
import { buildTitle, renderTemplate, type TitleInput } from '../../src/mapping/title.ts'
import { createKeyLookup, labelOf } from '../../src/mapping/field-names.ts'
import { messagesFor } from '../../src/mapping/messages.ts'
import { cleanText, oneLine } from '../../src/mapping/text.ts'
import { commentsHtml, plainRichText } from '../../src/mapping/rich-text.ts'
import { parsePageUrl } from '../../src/mapping/tracking.ts'
import { charsetOf, resolveCharset } from '../../src/intake/charset.ts'
import { decodeUrlencoded } from '../../src/intake/decode-body.ts'
import { contactMatcher } from '../../src/outbox/contact-match.ts'
import { resolveListLabels, noteUnknownLabels } from '../../src/delivery/list-fields.ts'
import { commentText } from '../../src/delivery/timeline-text.ts'
import { classifyReply } from '../../src/bitrix/classify.ts'
import { maskSecrets } from '../../src/bitrix/mask.ts'
import { sanitizeCommentsHtml } from '../../src/emulator/methods/comments-html.ts'
import { isValidEmail, phoneKey } from '../../src/emulator/methods/multifield.ts'
import { substituteResults } from '../../src/emulator/methods/batch-query.ts'
import { likeMatches } from '../../src/emulator/methods/lead-filter.ts'
import { mapSubmission } from '../../src/mapping/map-submission.ts'
import { mergeDictionaries } from '../../src/mapping/dictionaries.ts'
import { formSchema } from '../../src/config/schema.ts'

const MB = 1024 * 1024
/** Generous for a busy machine; a quadratic pass over 1 MB takes minutes at least. */
const PER_INPUT_MS = 10_000

const run = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB)

const INPUTS: Record<string, string> = {
  'a×1M': run('a'),
  'digits': run('1'),
  '@×1M': run('@'),
  'dots': run('.'),
  'dashes': run('-'),
  'spaces': run(' '),
  'a@a@a@…': run('a@'),
  '1-1-1-…': run('1-'),
  'a.a.a.…': run('a.'),
  '1 1 1 …': run('1 '),
  'a@b.c…': run('a@b.c'),
  '<<<<': run('<'),
  '<br <br': run('<br '),
  '[[[[': run('['),
  '[url=': run('[url='),
  '{{{{': run('{{'),
  '&&&&': run('&'),
  '"\\"\\"': '"' + run('\\"'),
  '$result[': run('$result['),
  '<title>': run('<title>'),
  'mixed': run('a@1-.( )<[&'),
  'a…a!': run('a').slice(0, MB - 1) + '!'
}

const FORM = formSchema.parse({
  fields: { name: 'NAME', phone: 'PHONE_MOBILE', email: 'EMAIL_WORK', msg: 'COMMENTS', sum: 'OPPORTUNITY' },
  labels: { 'a*a*a*b': 'x' },
  title: '{{name}} — {{msg}}'
})

const titleInput = (text: string): TitleInput => ({
  formLabel: 'Form', formId: 'f', now: new Date(0), field: () => text, template: '{{x}}: {{ x }} -', subject: text, contact: text
})

/** name → what runs on one visitor value. Results are used so nothing is optimised away. */
const PASSES: Record<string, (text: string) => unknown> = {
  'admin maskText': maskText,
  'admin maskEmail': maskEmail,
  'admin maskPhone': maskPhone,
  'admin maskDeep': (t) => maskDeep({ fields: { COMMENTS: t, PHONE: [{ VALUE: t }], IM: [{ VALUE: t }] }, ip: '1.2.3.4' }),
  'log maskEmails': maskEmails,
  'log maskPhones': maskPhones,
  'log scrubLogLine': (t) => scrubLogLine(JSON.stringify({ msg: t, err: { message: t }, secret: t })),
  'log scrubLogLine (raw)': (t) => scrubLogLine(t),
  'webhook maskSecrets': (t) => maskSecrets(t + '/rest/1/' + t),
  'emailSpans': emailSpans,
  'phoneSpans': (t) => phoneSpans(t, { dots: true }),
  'normalizePhone': (t) => normalizePhone(t, 'RU'),
  'normalizeEmail': normalizeEmail,
  'parseAmount': parseAmount,
  'parseBirthdate': (t) => parseBirthdate(t, new Date()),
  'title template': (t) => renderTemplate('{{a}} {{ b }} {{', titleInput(t)),
  'buildTitle': (t) => buildTitle(titleInput(t)),
  'key patterns (tel-*)': (t) => createKeyLookup({ 'a*a*a*b': 1, 'tel-*': 2, '*-*-*-x': 3 }, [t])(t),
  'labelOf': (t) => labelOf(t + '[]', () => undefined, messagesFor('ru')),
  'cleanText': cleanText,
  'oneLine': oneLine,
  'COMMENTS encoding': commentsHtml,
  'timeline / TITLE encoding': plainRichText,
  'product page URL': (t) => parsePageUrl('https://x.example/?' + t),
  'charset sniffing': (t) => charsetOf('text/plain;' + t),
  'charset name (_charset_)': (t) => { try { return resolveCharset(t) } catch (err) { return err } },
  'urlencoded body': (t) => {
    try {
      return decodeUrlencoded(Buffer.from(`a=${t}&b=${t}`, 'latin1'), {}, { fields: 10, valueChars: 2 * MB })
    } catch (err) {
      return err
    }
  },
  'erase matcher': (t) => contactMatcher({ email: 'anna@example.ru', phone: '+79001234567' })({ v: t }),
  'list labels': (t) =>
    resolveListLabels({ UF_CRM_X: t }, ['UF_CRM_X'],
      new Map([['UF_CRM_X', { name: 'UF_CRM_X', items: [{ id: '1', label: t + '. . .' }] }]])),
  'unknown list label note': (t) => noteUnknownLabels({ COMMENTS: 'a' }, [['UF_CRM_X', t]], 'ru'),
  'timeline comment': (t) => commentText({
    kind: 'submission', language: 'ru', formName: t, submissionId: 'id', createdAt: 0,
    meta: { values: { [t.slice(0, 100)]: t }, referer: t, userAgent: t }
  }),
  'portal reply (HTML)': (t) => classifyReply(500, t),
  'status page portal text': portalText,
  'whole mapping': (t) => mapSubmission({
    formId: 'f', form: FORM, dictionaries: mergeDictionaries(), values: { name: t, phone: t, msg: t, sum: t, other: t }, now: new Date(0)
  }),
  'emulator COMMENTS sanitizer': sanitizeCommentsHtml,
  'emulator e-mail check': isValidEmail,
  'emulator phone key': phoneKey,
  'emulator $result references': (t) => substituteResults({ a: t }, { k: { ID: 1 } }),
  'emulator LIKE filter': (t) => likeMatches('%a%1%-%@%b', t)
}

describe('the wildcard matchers still match what they should', () => {
  it('LIKE: % is any run, _ one character, case ignored', () => {
    expect(likeMatches('01%', '01ABC')).toBe(true)
    expect(likeMatches('%b_d', 'ABCD')).toBe(true)
    expect(likeMatches('a%c', 'ab')).toBe(false)
    expect(likeMatches('%', '')).toBe(true)
  })
})

describe('every pass over visitor text is linear (1 MB adversarial inputs)', () => {
  for (const [pass, fn] of Object.entries(PASSES)) {
    describe(pass, () => {
      it.each(Object.keys(INPUTS))('%s', (input) => {
        expect(fn(INPUTS[input] as string)).not.toBe(Symbol.for('never'))
      }, PER_INPUT_MS)
    })
  }
})
