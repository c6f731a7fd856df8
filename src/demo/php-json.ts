/**
 * JSON as PHP's json_encode writes it without flags, which is how WordPress plugins such as
 * "CF7 to Webhook" send bodies: every non-ASCII character as \uXXXX (surrogate pairs for emoji) and
 * "/" as "\/". Still valid JSON; the demo's WordPress stand-in and the fixtures use it.
 */
export function phpJsonEncode (value: unknown): string {
  return JSON.stringify(value)
    .replace(/[\u0080-\uffff]/g, (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'))
    .replace(/\//g, '\\/')
}
