/**
 * Page addresses a submission carries (the product page, CF7's [_url] and [_post_url], embed.js's
 * page_url): which one is Contact Form 7's own REST endpoint rather than a page, and when two of
 * them name the same page.
 */
import { decodeHTML } from 'entities'

function decodePath (text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * CF7 submits to its REST API and sets [_url] to that endpoint when the browser sent no Referer: an
 * address no visitor ever saw. Every spelling WordPress accepts: pretty permalinks
 * (`/wp-json/contact-form-7/v1/contact-forms/12/feedback`), plain ones
 * (`/index.php?rest_route=/contact-form-7/v1/…`, `/?rest_route=…`, slashes encoded as %2F), a site
 * in a subfolder, and every route under it (`/feedback/schema`, `/refill`).
 */
export function isCf7Endpoint (text: string): boolean {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return false
  }
  if (/\/wp-json\/+contact-form-7\//i.test(decodePath(url.pathname))) return true
  const route = url.searchParams.get('rest_route')
  return route !== null && /^\/*contact-form-7\//i.test(decodePath(route))
}

/**
 * What makes two addresses the same page: host and path, ignoring the query (?color=black, utm tags),
 * the fragment and a trailing slash. Undefined for text that is not an http(s) URL.
 */
export function pageKey (text: string): string | undefined {
  let url: URL
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return `${url.host}${trimSlashes(decodePath(url.pathname))}`.toLowerCase()
}

/** Drops trailing slashes with one backward pass (a /\/+$/ regex backtracks on a long run of slashes). */
function trimSlashes (path: string): string {
  let end = path.length
  while (end > 0 && path.charCodeAt(end - 1) === 47) end--
  return path.slice(0, end)
}

/** Special mail tags WordPress fills from titles it has already HTML-escaped (wptexturize: &#8211;, &amp;). */
const WORDPRESS_TEXT_TAGS: ReadonlySet<string> = new Set([
  '_post_title', '_site_title', '_site_description', '_contact_form_title', '_post_author', '_user_display_name'
])

export function isWordPressText (name: string): boolean {
  return WORDPRESS_TEXT_TAGS.has(name.toLowerCase())
}

/** "Кофе &#8211; Маркет" → "Кофе – Маркет"; text without entities comes back unchanged. */
export function decodeEntities (text: string): string {
  return text.includes('&') ? decodeHTML(text) : text
}
