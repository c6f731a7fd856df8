/**
 * Who can fix a value that fails its check (an e-mail the portal would refuse, an impossible date):
 * a person at a browser form can, when told which field; a server sender (Contact Form 7's webhook, a
 * script with a secret) cannot — the visitor already saw "sent" or a generic error there. So server
 * senders keep the value as typed and the lead is delivered; browser forms are asked by default.
 */
import type { FormConfig } from '../config/schema.ts'

export type InvalidValues = 'keep' | 'ask'

/** wp_remote_request's default User-Agent: "WordPress/6.8; https://site". No browser sends it. */
const WORDPRESS_AGENT = /^WordPress\/\d/

export function invalidValuesFor (form: Pick<FormConfig, 'invalidValues' | 'secret' | 'hmacSecret'>, userAgent?: string): InvalidValues {
  if (form.invalidValues !== undefined) return form.invalidValues
  const serverSender = form.secret !== undefined || form.hmacSecret !== undefined ||
    (userAgent !== undefined && WORDPRESS_AGENT.test(userAgent))
  return serverSender ? 'keep' : 'ask'
}
