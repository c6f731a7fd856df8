/** The Bitrix24 emulator as a child process, driven through its /_emulator control routes. */
import { join } from 'node:path'
import { spawnChild, type Child } from './children.ts'
import { ENTRIES } from './paths.ts'

export interface EmulatorStatus { leads: number, bucketLevel: number }
export interface EmulatorStats { requests: number, queryLimitExceeded: number, byMethod: Record<string, number> }

export class EmulatorProcess {
  private constructor (readonly child: Child, readonly webhook: string) {}

  static async start (dir: string, bucket: { burst: number, drainPerSecond: number }, name = 'emulator'): Promise<EmulatorProcess> {
    const child = await spawnChild({
      name,
      entry: ENTRIES.emulator,
      env: { BENCH_BURST: String(bucket.burst), BENCH_DRAIN: String(bucket.drainPerSecond) },
      logFile: join(dir, `${name}.log`),
      readyMsg: 'emulator ready'
    })
    return new EmulatorProcess(child, String(child.ready.webhook))
  }

  async reset (): Promise<void> {
    await this.#control('POST', '/_emulator/reset')
  }

  async status (): Promise<EmulatorStatus> {
    return await this.#control('GET', '/_emulator/status') as EmulatorStatus
  }

  async stats (): Promise<EmulatorStats> {
    return await this.#control('GET', '/_emulator/stats') as EmulatorStats
  }

  /** The ORIGIN_ID of every stored lead (undefined for leads sent without one). */
  async originIds (): Promise<unknown[]> {
    const leads = await this.#control('GET', '/_emulator/leads') as Array<{ fields: { ORIGIN_ID?: unknown } }>
    return leads.map(l => l.fields.ORIGIN_ID)
  }

  /** Another app on the same portal uses up the limit: calls until the portal answers QUERY_LIMIT_EXCEEDED. */
  async fillBucket (burst: number): Promise<void> {
    for (let i = 0; i < burst + 10; i++) {
      const res = await fetch(this.webhook + 'crm.lead.fields', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}'
      })
      const text = await res.text()
      if (res.status === 503 && text.includes('QUERY_LIMIT_EXCEEDED')) return
    }
    throw new Error('the emulator never answered QUERY_LIMIT_EXCEEDED; is its rate limit on?')
  }

  async stop (): Promise<void> {
    await this.child.stop()
  }

  async #control (method: 'GET' | 'POST', path: string): Promise<unknown> {
    const res = await fetch(this.child.url + path, {
      method,
      ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: '{}' } : {})
    })
    if (!res.ok) throw new Error(`emulator ${method} ${path}: HTTP ${res.status}`)
    return await res.json()
  }
}
