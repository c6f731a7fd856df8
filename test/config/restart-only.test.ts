import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { restartOnlyChanges } from '../../src/config/restart-only.ts'

const base = {
  portals: { default: { webhook: 'https://example.bitrix24.ru/rest/1/abc123/' } },
  forms: { contact: { fields: { name: 'NAME' } } }
}
const config = (extra: Record<string, unknown> = {}) => buildConfig({ ...base, ...extra })

describe('restartOnlyChanges', () => {
  it('names nothing when only reloadable settings change', () => {
    const next = config({
      forms: { contact: { fields: { name: 'NAME', phone: 'PHONE_WORK' } } },
      portals: { default: { webhook: 'https://example.bitrix24.ru/rest/1/other/', rateLimit: { burst: 10, drainPerSecond: 1 } } },
      delivery: { batchSize: 10 }
    })
    expect(restartOnlyChanges(config(), next)).toEqual([])
  })

  it('names each restart-only setting that changed', () => {
    const next = config({
      outbox: { durability: 'relaxed' },
      limits: { bodyBytes: 100_000 },
      delivery: { fileDownloads: 2, fileDownloadQueue: 10 },
      portals: { default: { webhook: 'https://example.bitrix24.ru/rest/1/abc123/', listRefreshMs: 1000 } }
    })
    expect(restartOnlyChanges(config(), next)).toEqual([
      'outbox', 'limits', 'delivery.fileDownloads', 'delivery.fileDownloadQueue', 'portals.default.listRefreshMs'
    ])
  })

  it('a portal added or removed is a reload, not a restart', () => {
    const two = config({
      portals: { ...base.portals, other: { webhook: 'https://example.bitrix24.ru/rest/1/abc123/', listRefreshMs: 1000 } }
    })
    expect(restartOnlyChanges(config(), two)).toEqual([])
    expect(restartOnlyChanges(two, config())).toEqual([])
  })
})
