import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'

const HOOK = { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' }

describe('config: Bitrix24 extras keys', () => {
  it('defaults: create, lead, no timeline, no list fields; portals on REST, crmMode auto, lists refreshed every 10 minutes', () => {
    const config = buildConfig({ forms: { f: { portal: 'default' } } }, HOOK)
    expect(config.forms.f).toMatchObject({ duplicates: 'create', entity: 'lead', timeline: false, listFields: [] })
    expect(config.forms.f!.files).toBeUndefined()
    expect(config.portals.default).toMatchObject({ transport: 'rest', crmMode: 'auto', listRefreshMs: 600000 })
  })

  it('files: limits with defaults; a target must be a UF_CRM_ field', () => {
    const config = buildConfig({ forms: { f: { portal: 'default', files: { target: 'uf_crm_docs' } } } }, HOOK)
    expect(config.forms.f!.files).toMatchObject({ maxBytes: 5 * 1024 * 1024, maxFiles: 5, target: 'UF_CRM_DOCS', download: false, fields: [] })
    expect(() => buildConfig({ forms: { f: { portal: 'default', files: { target: 'DOCS' } } } }, HOOK)).toThrow(/forms\.f\.files\.target: must be a UF_CRM_… field/)
    expect(() => buildConfig({ forms: { f: { portal: 'default', duplicates: 'sometimes' } } }, HOOK)).toThrow(/forms\.f\.duplicates/)
  })

  it('files: link fetching is off, private addresses refused and the pool small by default; allowHosts are host names', () => {
    const files = { download: true, allowHosts: ['Files.Example.com', '*.cdn.example.com'] }
    const config = buildConfig({ forms: { f: { portal: 'default', files } } }, HOOK)
    expect(config.forms.f!.files).toMatchObject({ download: true, allowPrivateAddresses: false, downloadTimeoutMs: 15000, downloadBudgetMs: 30000,
      minBytesPerSecond: 1024, slowGraceMs: 5000, allowHosts: ['files.example.com', '*.cdn.example.com'] })
    expect(config.delivery).toMatchObject({ fileDownloads: 4, fileDownloadQueue: 100 })
    expect(buildConfig({ forms: { f: { portal: 'default', files: {} } } }, HOOK).forms.f!.files!.download).toBe(false)
    expect(() => buildConfig({ forms: { f: { portal: 'default', files: { allowHosts: ['http://x.example/'] } } } }, HOOK))
      .toThrow(/allowHosts/)
    expect(() => buildConfig({ forms: { f: { portal: 'default', files: { slowGraceMs: 0 } } } }, HOOK)).toThrow(/slowGraceMs/)
  })

  it('a legacy portal needs https (http only on loopback)', () => {
    const portal = (legacyUrl: string) => ({ portals: { old: { transport: 'legacy', legacyUrl, login: 'a', password: 'b' } } })
    expect(buildConfig(portal('http://127.0.0.1:8080'), {}).portals.old!.webhook).toBe('')
    expect(() => buildConfig(portal('http://portal.example.ru'), {})).toThrow(/portals\.old\.legacyUrl: must be the portal address/)
  })
})

describe('config: extras keys across each other', () => {
  it('merge needs leads: with entity: deal it is refused', () => {
    expect(() => buildConfig({ forms: { f: { portal: 'default', entity: 'deal', duplicates: 'merge' } } }, HOOK))
      .toThrow(/forms\.f\.duplicates: merge works on open leads; with entity: deal use link/)
  })
})
