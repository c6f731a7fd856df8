/** Submission ids and lease tokens. */
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ' // Crockford base32: no I, L, O, U
const RANDOM_MAX = (1n << 80n) - 1n

let lastTime = -1
let lastRandom = 0n

function encode (value: bigint, length: number): string {
  let out = ''
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(value & 31n)] + out
    value >>= 5n
  }
  return out
}

/**
 * A ULID: 26 characters, 48 bits of milliseconds then 80 random bits. Ids sort by creation time as
 * plain strings, which keeps them readable in logs and usable as the lead's ORIGIN_ID. Inside one
 * process ids made in the same millisecond (or while the clock steps back) increment the random
 * part instead of drawing it again, so they still sort in the order they were made.
 */
export function newSubmissionId (now: number = Date.now()): string {
  let time = Math.max(0, Math.floor(now))
  if (time <= lastTime && lastRandom < RANDOM_MAX) {
    time = lastTime
    lastRandom += 1n
  } else {
    lastTime = time
    lastRandom = BigInt('0x' + randomBytes(10).toString('hex'))
  }
  return encode(BigInt(time), 10) + encode(lastRandom, 16)
}

/**
 * The 10-character time prefix of the ids made at `ms`. An id's time is never earlier than its
 * createdAt (ids only step forward when the clock goes back), so `id >= idTimePrefix(from)` narrows
 * a time range on the primary key.
 */
export function idTimePrefix (ms: number): string {
  return encode(BigInt(Math.max(0, Math.floor(ms))), 10)
}

/** 128 random bits; only its holder can report on a lease. */
export function newLeaseToken (): string {
  return randomBytes(16).toString('base64url')
}
