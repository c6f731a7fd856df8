/** Reading a request header, which Node gives as a string, a list (a repeated header) or nothing. */

/** How much of a header kept with a submission (user agent, referer, Idempotency-Key) is stored. */
export const KEPT_HEADER_CHARS = 2000

/** The header's text: the first of repeated values, at most `maxChars` long; undefined when absent or empty. */
export function headerText (value: string | string[] | undefined, maxChars?: number): string | undefined {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || text === '') return undefined
  return maxChars === undefined ? text : text.slice(0, maxChars)
}
