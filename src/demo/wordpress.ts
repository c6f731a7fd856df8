/**
 * A stand-in for a WordPress site with Contact Form 7 and the "CF7 to Webhook" plugin: the form's tags,
 * the special mail tags it is configured with, and the JSON body the plugin sends to the relay. Shaped
 * after the plugin's code: special tags first, then one entry per named form tag (a clash goes to the
 * form tag), values from the post ("" when absent, arrays for checkboxes), PHP-style JSON.
 */
import { phpJsonEncode } from './php-json.ts'

export interface Cf7Tag {
  name: string
  type: 'text' | 'email' | 'tel' | 'select' | 'checkbox' | 'textarea' | 'hidden' | 'acceptance'
}

/** What CF7's special mail tags evaluate to for one submission. */
export interface SpecialTagValues {
  _url: string
  _post_title: string
  _post_url: string
  _remote_ip: string
  _user_agent: string
}

export const CF7_FORM_ID = 12

/** The demo's CF7 form: CF7's default names plus the empty hidden tags embed.js fills. */
export const CF7_TAGS: readonly Cf7Tag[] = Object.freeze([
  { name: 'your-name', type: 'text' },
  { name: 'your-email', type: 'email' },
  { name: 'tel-417', type: 'tel' },
  { name: 'menu-802', type: 'select' },
  { name: 'checkbox-55', type: 'checkbox' },
  { name: 'your-subject', type: 'text' },
  { name: 'your-message', type: 'textarea' },
  ...['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'gclid', 'yclid', 'fbclid',
    'page_url', 'page_title', 'referrer', 'landing_url'].map((name) => ({ name, type: 'hidden' as const }))
])

export const CF7_SPECIAL_TAGS = ['_url', '_post_title', '_post_url', '_remote_ip', '_user_agent'] as const

export type PostedValues = Record<string, string | string[]>

/**
 * PHP reads `checkbox-55[]` as the array `checkbox-55`; a body parser gives the raw names, so the
 * demo folds them the same way.
 */
export function phpPostedValues (raw: Record<string, unknown>): PostedValues {
  const out: PostedValues = Object.create(null) as PostedValues
  for (const [key, value] of Object.entries(raw)) {
    const list = (Array.isArray(value) ? value : [value]).map((item) => String(item))
    if (key.endsWith('[]')) out[key.slice(0, -2)] = list
    else out[key] = list.length === 1 ? list[0] as string : list
  }
  return out
}

/** CF7's `_url`: the Referer when it starts with the site's home URL, else home + the request URI. */
export function cf7PageUrl (referer: string | undefined, homeUrl: string, requestUri: string): string {
  if (referer !== undefined && referer.startsWith(homeUrl)) return referer
  return new URL(requestUri, homeUrl).href
}

/** The body "CF7 to Webhook" posts, as an object (key order kept) and as PHP-encoded JSON text. */
export function webhookBody (
  tags: readonly Cf7Tag[], posted: PostedValues, special: SpecialTagValues
): { data: Record<string, string | string[]>, json: string } {
  const data: Record<string, string | string[]> = {}
  for (const name of CF7_SPECIAL_TAGS) data[name] = special[name]
  for (const tag of tags) {
    const value = posted[tag.name]
    data[tag.name] = value === undefined || value === '' || (Array.isArray(value) && value.length === 0) ? '' : value
  }
  return { data, json: phpJsonEncode(data) }
}

export interface WebhookResult {
  ok: boolean
  status: number
}

/** Sends the body like the plugin: POST, JSON with the blog charset, custom headers, 30 s timeout. */
export async function sendWebhook (url: string, json: string, headers: Record<string, string>): Promise<WebhookResult> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      body: json,
      headers: { 'content-type': 'application/json; charset=UTF-8', ...headers },
      signal: AbortSignal.timeout(30_000),
      redirect: 'follow'
    })
    await res.arrayBuffer()
    // The plugin's default accepted statuses.
    return { ok: [200, 201, 202, 204, 205].includes(res.status), status: res.status }
  } catch {
    return { ok: false, status: 0 }
  }
}
