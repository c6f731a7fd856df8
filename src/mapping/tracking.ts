/** UTM tags and ad click ids: read from a page URL's query, stripped from the URL we store, merged by precedence. */

export const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term'] as const
export const CLICK_ID_KEYS = ['gclid', 'yclid', 'fbclid'] as const

export type UtmKey = typeof UTM_KEYS[number]
export type ClickIdKey = typeof CLICK_ID_KEYS[number]
export type TrackingKey = UtmKey | ClickIdKey

/** Tracking values found in one place (the submitted fields, the product URL or the Referer). */
export type Tracking = Partial<Record<TrackingKey, string>>

const TRACKING_KEYS: ReadonlySet<string> = new Set<string>([...UTM_KEYS, ...CLICK_ID_KEYS])

export function isTrackingKey (name: string): name is TrackingKey {
  return TRACKING_KEYS.has(name)
}

export interface ParsedPageUrl {
  /** The URL without the tracking parameters it carried; every other parameter and the fragment are kept as sent. */
  url: string
  tracking: Tracking
}

function decodeComponent (text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '))
  } catch {
    return text
  }
}

/**
 * Splits an absolute http(s) URL into the URL worth storing and the tracking values it carried; undefined
 * when the text is not such a URL. Only the five UTM tags and the click ids are removed — they are recorded
 * in their own fields — so nothing else the URL said (?id=5, utm_referrer) is lost. The query is edited as
 * raw text so that the kept parameters keep their exact encoding.
 */
export function parsePageUrl (text: string): ParsedPageUrl | undefined {
  let parsed: URL
  try {
    parsed = new URL(text)
  } catch {
    return undefined
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined

  const hashAt = text.indexOf('#')
  const beforeHash = hashAt >= 0 ? text.slice(0, hashAt) : text
  const hash = hashAt >= 0 ? text.slice(hashAt) : ''
  const queryAt = beforeHash.indexOf('?')
  if (queryAt < 0) return { url: text, tracking: {} }

  const tracking: Tracking = {}
  const kept: string[] = []
  for (const pair of beforeHash.slice(queryAt + 1).split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const key = decodeComponent(eq >= 0 ? pair.slice(0, eq) : pair).trim().toLowerCase()
    if (!isTrackingKey(key)) {
      kept.push(pair)
      continue
    }
    const value = eq >= 0 ? decodeComponent(pair.slice(eq + 1)).trim() : ''
    // The first occurrence wins, as in URLSearchParams.get.
    if (value !== '' && tracking[key] === undefined) tracking[key] = value
  }
  const base = beforeHash.slice(0, queryAt)
  return { url: base + (kept.length > 0 ? '?' + kept.join('&') : '') + hash, tracking }
}

/** Merges tracking sources, earlier ones winning key by key. */
export function mergeTracking (...sources: Tracking[]): Tracking {
  const merged: Tracking = {}
  for (const source of sources) {
    for (const [key, value] of Object.entries(source) as Array<[TrackingKey, string]>) {
      if (merged[key] === undefined) merged[key] = value
    }
  }
  return merged
}
