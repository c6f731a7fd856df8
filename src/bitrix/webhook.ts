/** The one spelling of a webhook base, so the config, the client and a moved portal's new base compare equal. */

/** The base without query or fragment and with one trailing slash: https://portal/rest/<user id>/<secret>/. */
export function normalizeWebhook (url: URL): string {
  const base = new URL(url.href)
  base.search = ''
  base.hash = ''
  return base.href.endsWith('/') ? base.href : base.href + '/'
}
