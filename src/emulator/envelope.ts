/** The success envelope, the `time` object and PHP's habit of sending an empty map as `[]`. */

export interface TimeInfo {
  start: number
  finish: number
  duration: number
  processing: number
  date_start: string
  date_finish: string
  operating_reset_at?: number
  operating?: number
}

export interface Operating { resetAt: number, seconds: number }

const pad = (n: number): string => String(Math.trunc(Math.abs(n))).padStart(2, '0')

/** ISO-8601 in the host's local time with its offset, like PHP date('c'): 2024-01-20T18:35:32+01:00. */
export function isoWithOffset (ms: number): string {
  const d = new Date(ms)
  const offsetMin = -d.getTimezoneOffset()
  const sign = offsetMin >= 0 ? '+' : '-'
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return `${date}T${time}${sign}${pad(offsetMin / 60)}:${pad(offsetMin % 60)}`
}

/** Build `time` for work that ran from startMs to finishMs (wall clock, milliseconds). */
export function timeInfo (startMs: number, finishMs: number, operating?: Operating): TimeInfo {
  const seconds = (finishMs - startMs) / 1000
  const time: TimeInfo = {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration: seconds,
    processing: seconds,
    date_start: isoWithOffset(startMs),
    date_finish: isoWithOffset(finishMs)
  }
  if (operating !== undefined) {
    time.operating_reset_at = operating.resetAt
    time.operating = operating.seconds
  }
  return time
}

/** PHP json_encode writes an empty array as `[]`, whether it was meant as a list or a map. */
export function phpMap<T> (map: Record<string, T>): Record<string, T> | [] {
  return Object.keys(map).length === 0 ? [] : map
}

export interface MethodResult {
  result: unknown
  total?: number
  next?: number
  /** batch: a command was blocked by the operating-time limit until then (unix seconds); goes into the outer time. */
  operatingResetAt?: number
}

export function successBody (res: MethodResult, time: TimeInfo): Record<string, unknown> {
  const body: Record<string, unknown> = { result: res.result }
  // The server lifts next/total out of the handler result; next comes before total in live answers.
  if (res.next !== undefined) body.next = res.next
  if (res.total !== undefined) body.total = res.total
  body.time = time
  return body
}
