/** Hides the webhook secret in anything the relay prints: URLs, error texts, echoed HTML. */

// The secret is the path segment after the user id (v2 /rest/1/<secret>/, v3 /rest/api/1/<secret>/).
const WEBHOOK_PATH = /\/rest\/(api\/)?(\d+)\/[^/\s?#"'<>\\]+/g
// OAuth-style tokens can travel as ?auth=…; they are secrets as well.
const AUTH_QUERY = /([?&](?:auth|ap|access_token|refresh_token)=)[^&\s"'<>#]+/gi

/** Replaces every webhook secret (and auth query token) inside free text with `***`. */
export function maskSecrets (text: string): string {
  return text.replace(WEBHOOK_PATH, '/rest/$1$2/***').replace(AUTH_QUERY, '$1***')
}

// Example: https://portal/rest/1/abc123/ becomes https://portal/rest/1/***/ (user:password@ is dropped too).
/** Masks the secret of a webhook URL so it can be logged or shown. */
export function maskWebhook (url: string): string {
  let text = url
  try {
    const parsed = new URL(url)
    if (parsed.username !== '' || parsed.password !== '') {
      parsed.username = ''
      parsed.password = ''
      text = parsed.href
    }
  } catch {
    // Not a URL: mask whatever looks like a webhook path in it.
  }
  return maskSecrets(text)
}
