/** The words the mapping writes into a lead, in the form's language. */

export type Language = 'ru' | 'en'

export interface Messages {
  productPage: string
  productName: string
  notAmount: (target: string, value: string) => string
  notDate: (target: string, value: string) => string
  notKnown: (target: string, value: string) => string
  notId: (target: string, value: string) => string
  tooLong: (target: string, value: string) => string
  /** Labels of the analytics ids embed.js reads from the site's cookies. */
  analytics: Readonly<Record<'gaClientId' | 'ymClientId' | 'roistatVisit', string>>
  notAnalyticsId: (label: string, value: string) => string
  traceDropped: (reason: 'too_large' | 'not_json', bytes: number) => string
  visitedPages: string
  minutesBefore: (minutes: number) => string
  notEmail: (label: string, value: string) => string
  missingRequired: (label: string) => string
  /** Said after the name of a file the visitor attached. */
  attachment: string
  /** Readable names of the Contact Form 7 special mail tags and of the fields embed.js adds. */
  specialTags: Readonly<Record<string, string>>
}

const EN: Messages = {
  productPage: 'Product page',
  productName: 'Product',
  notAmount: (target, value) => `${target}: '${value}' is not an amount`,
  notDate: (target, value) => `${target}: '${value}' is not a valid date`,
  notKnown: (target, value) => `${target}: '${value}' is not a known value`,
  notId: (target, value) => `${target}: '${value}' is not a valid id`,
  tooLong: (target, value) => `${target}: '${value}' is longer than the CRM accepts`,
  analytics: { gaClientId: 'Google Analytics client ID', ymClientId: 'Yandex Metrica ClientID', roistatVisit: 'Roistat visit' },
  notAnalyticsId: (label, value) => `${label}: '${value}' does not look like an id`,
  traceDropped: (reason, bytes) => reason === 'too_large'
    ? `Bitrix24 tracker trace (b24_trace) left out: ${Math.ceil(bytes / 1024)} KB, more than 16 KB`
    : 'Bitrix24 tracker trace (b24_trace) left out: not valid JSON',
  visitedPages: 'Visited pages',
  minutesBefore: (minutes) => minutes < 1 ? 'under a minute before sending' : `${minutes} min before sending`,
  notEmail: (label, value) => `${label}: '${value}' could not be used as an e-mail address`,
  attachment: 'attachment',
  missingRequired: (label) => `${label}: required, but not filled in`,
  specialTags: {
    _remote_ip: 'IP address',
    _user_agent: 'Browser',
    _url: 'Page URL',
    _date: 'Date',
    _time: 'Time',
    _invalid_fields: 'Invalid fields',
    _contact_form_title: 'Form',
    _post_id: 'Page id',
    _post_name: 'Page slug',
    _post_title: 'Page title',
    _post_url: 'Page link',
    _post_author: 'Page author',
    _post_author_email: 'Page author e-mail',
    _site_title: 'Site',
    _site_description: 'Site description',
    _site_url: 'Site URL',
    _site_domain: 'Site domain',
    _site_admin_email: 'Site admin e-mail',
    _serial_number: 'Submission number',
    _user_login: 'Site user login',
    _user_email: 'Site user e-mail',
    _user_url: 'Site user URL',
    _user_first_name: 'Site user first name',
    _user_last_name: 'Site user last name',
    _user_nickname: 'Site user nickname',
    _user_display_name: 'Site user name',
    page_title: 'Page title',
    referrer: 'Came from',
    landing_url: 'Landing page',
    landing_time: 'Landing time'
  }
}

const RU: Messages = {
  productPage: 'Страница товара',
  productName: 'Товар',
  notAmount: (target, value) => `${target}: не удалось распознать сумму '${value}'`,
  notDate: (target, value) => `${target}: некорректная дата '${value}'`,
  notKnown: (target, value) => `${target}: значения '${value}' нет в справочнике`,
  notId: (target, value) => `${target}: '${value}' не является идентификатором`,
  tooLong: (target, value) => `${target}: значение длиннее допустимого '${value}'`,
  analytics: { gaClientId: 'Client ID Google Analytics', ymClientId: 'ClientID Яндекс Метрики', roistatVisit: 'Визит Roistat' },
  notAnalyticsId: (label, value) => `${label}: '${value}' не похоже на идентификатор`,
  traceDropped: (reason, bytes) => reason === 'too_large'
    ? `Данные сквозной аналитики Битрикс24 (b24_trace) не переданы: ${Math.ceil(bytes / 1024)} КБ, больше 16 КБ`
    : 'Данные сквозной аналитики Битрикс24 (b24_trace) не переданы: это не JSON',
  visitedPages: 'Просмотренные страницы',
  minutesBefore: (minutes) => minutes < 1 ? 'меньше чем за минуту до отправки' : `за ${minutes} мин до отправки`,
  notEmail: (label, value) => `${label}: '${value}' не удалось использовать как адрес e-mail`,
  attachment: 'вложение',
  missingRequired: (label) => `${label}: обязательное поле не заполнено`,
  specialTags: {
    _remote_ip: 'IP-адрес',
    _user_agent: 'Браузер',
    _url: 'Адрес страницы',
    _date: 'Дата',
    _time: 'Время',
    _invalid_fields: 'Ошибочные поля',
    _contact_form_title: 'Форма',
    _post_id: 'ID страницы',
    _post_name: 'Ярлык страницы',
    _post_title: 'Заголовок страницы',
    _post_url: 'Ссылка на страницу',
    _post_author: 'Автор страницы',
    _post_author_email: 'E-mail автора страницы',
    _site_title: 'Сайт',
    _site_description: 'Описание сайта',
    _site_url: 'Адрес сайта',
    _site_domain: 'Домен сайта',
    _site_admin_email: 'E-mail администратора сайта',
    _serial_number: 'Номер заявки',
    _user_login: 'Логин пользователя сайта',
    _user_email: 'E-mail пользователя сайта',
    _user_url: 'Сайт пользователя',
    _user_first_name: 'Имя пользователя сайта',
    _user_last_name: 'Фамилия пользователя сайта',
    _user_nickname: 'Ник пользователя сайта',
    _user_display_name: 'Пользователь сайта',
    page_title: 'Заголовок страницы',
    referrer: 'Откуда пришёл',
    landing_url: 'Страница входа',
    landing_time: 'Время перехода'
  }
}

export function messagesFor (language: Language): Messages {
  return language === 'en' ? EN : RU
}
