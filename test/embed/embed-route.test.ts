/**
 * GET /embed.js: the bytes of src/embed/embed.js with the right type and cache headers, gzip when
 * accepted, 304 on a matching ETag — and the script's size contract (under 5 KB gzipped).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEmbedAsset, embedScriptPaths, readEmbedScript } from '../../src/embed/asset.ts'
import { EMBED_CACHE_CONTROL } from '../../src/http/routes/embed.ts'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.ts'

const SOURCE_PATH = fileURLToPath(new URL('../../src/embed/embed.js', import.meta.url))
const SOURCE = readFileSync(SOURCE_PATH, 'utf8')

describe('the embed script asset', () => {
  it('stays under 5 KB gzipped (a size contract for every page that includes it)', () => {
    const gzipped = gzipSync(Buffer.from(SOURCE, 'utf8')).length
    expect(gzipped).toBeLessThan(5 * 1024)
  })

  it('is plain ES2017 browser code: no modules, no dependencies, one self-contained function', () => {
    expect(SOURCE).not.toMatch(/^\s*(import|export)\s/m)
    expect(SOURCE).not.toMatch(/\brequire\(/)
    // ES2018+ syntax (optional chaining, nullish coalescing, object spread/rest) would break older browsers.
    expect(SOURCE).not.toMatch(/\?\.(?!\d)|\?\?|\.\.\./)
    // eslint-disable-next-line no-new-func -- compiles the script only (never runs it) to prove it parses
    expect(() => new Function(SOURCE)).not.toThrow()
  })

  it('is found beside the module in src and in the package\'s src/embed from a build', () => {
    expect(embedScriptPaths()[0]).toBe(SOURCE_PATH)
    expect(readEmbedScript()).toBe(SOURCE)
    // From dist/src/embed/asset.js the second candidate is <root>/src/embed/embed.js.
    const fromDist = new URL('../../../src/embed/embed.js', new URL('../../dist/src/embed/asset.js', import.meta.url))
    expect(fileURLToPath(fromDist)).toBe(SOURCE_PATH)
  })
})

describe('GET /embed.js', () => {
  let t: TestApp
  beforeAll(async () => { t = await buildTestApp() })
  afterAll(async () => { await t.close() })

  it('serves the script with its type, cache headers and a cross-origin resource policy', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/embed.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toBe(EMBED_CACHE_CONTROL)
    expect(res.headers['cache-control']).toMatch(/^public, max-age=\d+$/)
    expect(res.headers.etag).toBe(buildEmbedAsset(SOURCE).etag)
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers.vary).toMatch(/accept-encoding/i)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.body).toBe(SOURCE)
  })

  it('gzips for clients that accept it, and not for those that refuse it with q=0', async () => {
    const gz = await t.app.inject({ method: 'GET', url: '/embed.js', headers: { 'accept-encoding': 'br, gzip;q=0.8' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.rawPayload).toString('utf8')).toBe(SOURCE)
    expect(gz.rawPayload.length).toBeLessThan(5 * 1024)
    const refused = await t.app.inject({ method: 'GET', url: '/embed.js', headers: { 'accept-encoding': 'gzip;q=0, identity' } })
    expect(refused.headers['content-encoding']).toBeUndefined()
    expect(refused.body).toBe(SOURCE)
  })

  it('answers 304 with no body when the ETag matches (also weak or in a list), 200 otherwise', async () => {
    const { etag } = buildEmbedAsset(SOURCE)
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await t.app.inject({ method: 'GET', url: '/embed.js', headers: { 'if-none-match': header } })
      expect(res.statusCode, header).toBe(304)
      expect(res.body).toBe('')
      expect(res.headers.etag).toBe(etag)
    }
    const stale = await t.app.inject({ method: 'GET', url: '/embed.js', headers: { 'if-none-match': '"stale"' } })
    expect(stale.statusCode).toBe(200)
  })

  it('answers HEAD with the headers only', async () => {
    const res = await t.app.inject({ method: 'HEAD', url: '/embed.js' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.body).toBe('')
  })

  it('changes its ETag when the script changes', () => {
    expect(buildEmbedAsset(SOURCE + '\n').etag).not.toBe(buildEmbedAsset(SOURCE).etag)
  })
})
