/** Per-method operating time (seconds of work in a 10-minute window), reported in `time.operating`. */
import type { Operating } from './envelope.ts'

const WINDOW_SECONDS = 600

export class OperatingMeter {
  private readonly windows = new Map<string, { startedAt: number, seconds: number }>()

  /** Add `seconds` of work for `method` and return the window's totals (times in unix seconds). */
  add (method: string, seconds: number, nowSeconds = Date.now() / 1000): Operating {
    let w = this.windows.get(method)
    if (w === undefined || nowSeconds >= w.startedAt + WINDOW_SECONDS) {
      w = { startedAt: nowSeconds, seconds: 0 }
      this.windows.set(method, w)
    }
    w.seconds += seconds
    return { resetAt: Math.floor(w.startedAt + WINDOW_SECONDS), seconds: w.seconds }
  }

  clear (): void {
    this.windows.clear()
  }
}
