/** Reading OUTBOX_URL, for the store and for what lives beside it (counters, spam store, disk check). */

/**
 * The file of a `sqlite:<path>` URL (`sqlite:///abs/relay.db` and `sqlite:./data/relay.db` alike),
 * `:memory:` for `sqlite:` or `sqlite::memory:`; undefined for any other store.
 */
export function sqlitePathOf (url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '')
  return path === '' ? ':memory:' : path
}
