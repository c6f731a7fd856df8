/**
 * Finds submissions by a person's e-mail or phone, matching normalised values (the erase matcher:
 * "8 (900) 123-45-67" finds "+79001234567", e-mails ignore case). The store has no index on contact
 * data, so this pages through the newest submissions and stops after `maxScanned`, saying so.
 */
import type { ContactQuery, SubmissionAdmin, SubmissionFilter } from '../../outbox/admin-types.ts'
import { contactMatcher } from '../../outbox/contact-match.ts'
import type { SubmissionSummary } from '../../outbox/types.ts'

export interface ContactSearchResult {
  items: SubmissionSummary[]
  /** How many submissions were looked at. */
  scanned: number
  /** Where to go on: the id to pass as `before`; absent when everything up to the oldest was seen. */
  next?: string
}

const PAGE = 500

export async function searchByContact (admin: SubmissionAdmin, query: ContactQuery, filter: Omit<SubmissionFilter, 'limit'>,
  limit: number, maxScanned = 20_000): Promise<ContactSearchResult> {
  const matches = contactMatcher(query)
  const items: SubmissionSummary[] = []
  let scanned = 0
  let before = filter.before
  while (scanned < maxScanned) {
    const page = await admin.list({ ...filter, limit: PAGE, ...(before !== undefined ? { before } : {}) })
    for (const s of page.items) {
      scanned++
      if (matches(s.payload) || (s.meta !== null && matches(s.meta))) {
        items.push(s)
        if (items.length === limit) return { items, scanned, next: s.id }
      }
    }
    if (page.next === undefined) return { items, scanned }
    before = page.next
    // Yield between pages so the intake keeps answering during a long scan.
    await new Promise<void>(resolve => setImmediate(resolve))
  }
  return { items, scanned, ...(before !== undefined ? { next: before } : {}) }
}
