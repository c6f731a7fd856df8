/**
 * CUtil::PhpToJSObject at its default settings, as the legacy importer answers: single-quoted
 * pseudo-JSON, every number quoted, booleans bare, and JSEscape applied inside strings.
 */

/** JSEscape: backslash, both quotes, line breaks, and the sequences that could end a script block. */
export function jsEscape (text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/"/g, '\\"')
    .replace(/\r\n|\n|\r/g, '\\n')
    .replace(/\*\//g, '*\\/')
    .replace(/<\//g, '<\\/')
}

export function phpToJsObject (value: unknown): string {
  if (value === true) return 'true'
  if (value === false) return 'false'
  if (value === null || value === undefined) return "''"
  if (Array.isArray(value)) return '[' + value.map(phpToJsObject).join(',') + ']'
  if (typeof value === 'object') {
    return '{' + Object.entries(value as Record<string, unknown>).map(([k, v]) => `'${jsEscape(k)}':${phpToJsObject(v)}`).join(',') + '}'
  }
  return `'${jsEscape(String(value))}'`
}
