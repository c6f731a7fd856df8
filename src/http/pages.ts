/**
 * The built-in pages a plain browser form post lands on when the form has no success or error
 * URL: a minimal thank-you page and a page that says what is wrong, in the form's language.
 */
import type { FieldErrors } from '../errors.ts'

export type Language = 'ru' | 'en'

const TEXT = {
  ru: {
    thanksTitle: 'Спасибо!',
    thanksBody: 'Ваша заявка принята. Мы свяжемся с вами в ближайшее время.',
    errorTitle: 'Заявка не отправлена',
    errorBody: 'Пожалуйста, исправьте ошибки и отправьте форму ещё раз:',
    back: 'Вернуться назад',
    postOnlyTitle: 'Адрес для отправки форм',
    postOnlyBody: 'Этот адрес принимает заявки из форм сайта (метод POST) и передаёт их в CRM. ' +
      'Открывать его в браузере не нужно: укажите его в атрибуте action формы.',
    fieldMessages: { required: 'обязательное поле', email: 'неверный адрес e-mail' } as Record<string, string>
  },
  en: {
    thanksTitle: 'Thank you!',
    thanksBody: 'Your request has been received. We will get back to you shortly.',
    errorTitle: 'Your request was not sent',
    errorBody: 'Please correct the following and send the form again:',
    back: 'Go back',
    postOnlyTitle: 'A form submission address',
    postOnlyBody: 'This address takes submissions from website forms (POST) and passes them on to the CRM. ' +
      'There is nothing to see here in a browser: put it in a form\'s action attribute.',
    fieldMessages: { required: 'this field is required', email: 'not a valid e-mail address' } as Record<string, string>
  }
} as const

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, ch => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[ch] ?? ch))
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}' +
  'h1{font-size:1.5rem}li{margin:.25rem 0}'

function page (lang: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`
}

export function thanksPage (lang: Language): string {
  const t = TEXT[lang]
  return page(lang, t.thanksTitle,
    `<p>${escapeHtml(t.thanksBody)}</p><p><a href="javascript:history.back()">${escapeHtml(t.back)}</a></p>`)
}

/** What a browser opening a form's address sees: the URL takes form posts, with the form's action to copy. */
export function postOnlyPage (lang: Language, action: string): string {
  const t = TEXT[lang]
  const form = `<pre>&lt;form method="post" action="${escapeHtml(action)}"&gt;</pre>`
  return page(lang, t.postOnlyTitle, `<p>${escapeHtml(t.postOnlyBody)}</p>${form}`)
}

/** Lists each problem by field; `message` covers errors that are not about one field. */
export function errorPage (lang: Language, message: string, fields: FieldErrors = {}): string {
  const t = TEXT[lang]
  const items = Object.entries(fields)
    .map(([name, problem]) => `<li><b>${escapeHtml(name)}</b>: ${escapeHtml(t.fieldMessages[problem] ?? problem)}</li>`)
    .join('')
  const list = items === '' ? `<p>${escapeHtml(message)}</p>` : `<p>${escapeHtml(t.errorBody)}</p><ul>${items}</ul>`
  return page(lang, t.errorTitle, `${list}<p><a href="javascript:history.back()">${escapeHtml(t.back)}</a></p>`)
}
