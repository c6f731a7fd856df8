/**
 * Lookups by a key someone else chose (a form id in a URL, a portal name in the config, a visitor's
 * field name): only the record's own keys count, so `constructor`, `toString` or `__proto__` find
 * nothing instead of a function from Object.prototype.
 */
export function own<T> (record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined
}
