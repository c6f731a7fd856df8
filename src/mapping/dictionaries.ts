/** The built-in STATUS_ID / SOURCE_ID / PRODUCT_ID / CURRENCY_ID dictionaries, portal overrides and value lookup. */
import type { Dictionaries } from '../config/schema.ts'
import type { DictionaryName } from './targets.ts'

export interface DictionaryEntry {
  readonly value: string
  readonly label: string
}

const entries = (pairs: ReadonlyArray<readonly [string, string]>): readonly DictionaryEntry[] =>
  Object.freeze(pairs.map(([value, label]) => Object.freeze({ value, label })))

/**
 * The values of a stock portal as listed in the classic lead field reference. Its labels of
 * RESTORED and CONVERTED are swapped there; they are given the right way round here.
 */
export const BUILTIN_DICTIONARIES: Readonly<Record<DictionaryName, readonly DictionaryEntry[]>> = Object.freeze({
  STATUS_ID: entries([
    ['NEW', 'Не обработан'],
    ['ASSIGNED', 'Назначен ответственный'],
    ['DETAILS', 'Уточнение информации'],
    ['CANNOT_CONTACT', 'Не удалось связаться'],
    ['IN_PROCESS', 'В обработке'],
    ['ON_HOLD', 'Обработка приостановлена'],
    ['RESTORED', 'Восстановлен'],
    ['CONVERTED', 'Сконвертирован'],
    ['JUNK', 'Некачественный лид']
  ]),
  SOURCE_ID: entries([
    ['SELF', 'Свой контакт'],
    ['PARTNER', 'Существующий клиент'],
    ['CALL', 'Звонок'],
    ['WEB', 'Веб-сайт'],
    ['EMAIL', 'Электронная почта'],
    ['CONFERENCE', 'Конференция'],
    ['TRADE_SHOW', 'Выставка'],
    ['EMPLOYEE', 'Сотрудник'],
    ['COMPANY', 'Кампания'],
    ['HR', 'HR — департамент'],
    ['MAIL', 'Письмо'],
    ['OTHER', 'Другое']
  ]),
  PRODUCT_ID: entries([
    ['PRODUCT_1', '1С-Битрикс: Управление сайтом'],
    ['PRODUCT_2', '1С-Битрикс: Корпоративный портал'],
    ['OTHER', 'Другое']
  ]),
  CURRENCY_ID: entries([
    ['RUB', 'Рубль'],
    ['USD', 'Доллар США'],
    ['EUR', 'Евро']
  ])
})

export const DICTIONARY_NAMES: readonly DictionaryName[] = ['STATUS_ID', 'SOURCE_ID', 'CURRENCY_ID', 'PRODUCT_ID']

/** The value lists in force for a portal: each list it configures replaces the built-in one whole. */
export function mergeDictionaries (overrides: Dictionaries = {}): Required<Dictionaries> {
  const pick = (name: DictionaryName): string[] =>
    overrides[name] !== undefined ? [...overrides[name]] : BUILTIN_DICTIONARIES[name].map((entry) => entry.value)
  return {
    STATUS_ID: pick('STATUS_ID'),
    SOURCE_ID: pick('SOURCE_ID'),
    CURRENCY_ID: pick('CURRENCY_ID'),
    PRODUCT_ID: pick('PRODUCT_ID')
  }
}

/**
 * The dictionary value a visitor meant: exact, then case-insensitive ("usd" → USD), then by built-in
 * label ("Звонок" → CALL) when that value is in force — the portal's own importer also matches names.
 */
export function matchDictionaryValue (name: DictionaryName, allowed: readonly string[], typed: string): string | undefined {
  const wanted = typed.trim()
  if (wanted === '') return undefined
  if (allowed.includes(wanted)) return wanted
  const lower = wanted.toLowerCase()
  const byCase = allowed.find((value) => value.toLowerCase() === lower)
  if (byCase !== undefined) return byCase
  const byLabel = BUILTIN_DICTIONARIES[name].find((entry) => entry.label.toLowerCase() === lower)
  return byLabel !== undefined && allowed.includes(byLabel.value) ? byLabel.value : undefined
}
