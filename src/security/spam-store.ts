/**
 * The spam store port: submissions held as spam are never delivered, but kept for review for
 * `spam.keepMs` (a person may have been caught by mistake). Adapters: ./spam-store-sqlite.ts,
 * ./spam-store-redis.ts, ./spam-store-memory.ts (buildApp's default).
 */
import type { SubmittedValues } from '../intake/submitted-values.ts'

export type SpamReason =
  | 'honeypot'
  | 'too_fast'
  | 'captcha_missing'
  | 'captcha_failed'
  | 'captcha_score'
  | 'captcha_action'
  | 'captcha_unverified'

export interface SpamRecord {
  /** The id the sender was told (same format as a submission id, so bots cannot tell). */
  id: string
  formId: string
  reason: SpamReason
  /** Short facts for the reviewer (a score, a provider error code); never a secret. */
  detail?: string
  receivedAt: number
  ip?: string
  userAgent?: string
  referer?: string
  origin?: string
  values: SubmittedValues
}

export interface SpamListOptions {
  formId?: string
  /** Only records received before this time (epoch ms): the next page after the last one seen. */
  before?: number
  /** Default 50, at most 500. */
  limit?: number
}

export interface SpamStore {
  add: (record: SpamRecord) => Promise<void>
  get: (id: string) => Promise<SpamRecord | undefined>
  /** Newest first. */
  list: (opts?: SpamListOptions) => Promise<SpamRecord[]>
  /** How many are held now, by reason. */
  counts: () => Promise<Partial<Record<SpamReason, number>>>
  /** Deletes records received before `olderThan` (epoch ms); resolves with how many. */
  prune: (olderThan: number) => Promise<number>
  /** Deletes every record whose values `matches` (a personal-data request); resolves with how many. */
  erase: (matches: (values: SubmittedValues) => boolean) => Promise<number>
  close: () => Promise<void>
}
