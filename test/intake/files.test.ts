import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { decodePartName, FileCollector, intakeBodyLimit, safeFileName } from '../../src/intake/files.ts'

const rules = buildConfig(
  { forms: { f: { portal: 'default', files: { maxBytes: 10, maxFiles: 2, types: ['image/*', '.pdf'], fields: ['your-file'] } } } },
  { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' }
).forms.f!.files!

async function * chunks (...parts: string[]): AsyncGenerator<Buffer> { for (const p of parts) yield Buffer.from(p) }

describe('intake files', () => {
  it('file names lose paths, controls and quotes; UTF-8 names sent as latin1 bytes are decoded', () => {
    expect(safeFileName('C:\\Users\\a\\..\\offer "1".pdf')).toBe('offer 1.pdf')
    expect(safeFileName('../../etc/passwd')).toBe('passwd')
    expect(safeFileName('\u0000')).toBe('file')
    expect(decodePartName(Buffer.from('Счёт.pdf').toString('latin1'))).toBe('Счёт.pdf')
    expect(decodePartName('Счёт.pdf')).toBe('Счёт.pdf')
  })

  it('streams an upload up to maxBytes and refuses one byte more, a wrong type, and a file past maxFiles', async () => {
    const c = new FileCollector(rules)
    const kept = await c.addStream('doc', 'a.pdf', 'application/pdf', chunks('12345', '67890'))
    expect(kept)
      .toEqual({ field: 'doc', name: 'a.pdf', type: 'application/pdf', size: 10, content: Buffer.from('1234567890').toString('base64') })
    await expect(c.addStream('doc', 'b.pdf', 'application/pdf', chunks('12345', '678901')))
      .rejects.toMatchObject({ code: 'RELAY_ERR_FILE_TOO_LARGE', statusCode: 413 })
    await expect(c.addStream('doc', 'c.exe', 'application/octet-stream', chunks('x')))
      .rejects.toMatchObject({ code: 'RELAY_ERR_FILE_TYPE', statusCode: 415 })
    // No MIME type sent: the name decides (photo.png is an image).
    await c.addStream('doc', 'photo.png', '', chunks('x'))
    await expect(c.addStream('doc', 'd.png', 'image/png', chunks('x')))
      .rejects.toMatchObject({ code: 'RELAY_ERR_TOO_MANY_FILES', statusCode: 413 })
    expect(c.items().map(f => f.name)).toEqual(['a.pdf', 'photo.png'])
  })

  it('CF7 base64 objects (a data: prefix tolerated) and links in the configured fields', () => {
    const c = new FileCollector(rules)
    expect(c.addBase64('f', { filename: 'x.pdf', content: 'data:application/pdf;base64,YWJj' }))
      .toMatchObject({ name: 'x.pdf', size: 3, content: 'YWJj' })
    expect(() => c.addBase64('f', { filename: 'y.pdf', content: '***' }))
      .toThrow(expect.objectContaining({ code: 'RELAY_ERR_MALFORMED_FILE' }))
    c.addLinks({ 'your-file': 'https://site.example/wp-content/uploads/%D0%A1%D1%87%D1%91%D1%82.pdf', other: 'https://x.example/a.pdf' })
    expect(c.items()[1]).toEqual({ field: 'your-file', name: 'Счёт.pdf', type: 'application/pdf', size: 0, url: 'https://site.example/wp-content/uploads/%D0%A1%D1%87%D1%91%D1%82.pdf' })
    expect(() => new FileCollector(rules).addLinks({ 'your-file': 'https://x.example/run.exe' })).toThrow(expect.objectContaining({ code: 'RELAY_ERR_FILE_TYPE' }))
    const none = new FileCollector(rules)
    none.addLinks({ 'your-file': 'ftp://x.example/a.pdf not-a-url' })
    expect(none.items()).toEqual([])
  })

  it('verifyContent refuses bytes unlike their name (415 RELAY_ERR_FILE_CONTENT); a link with a broken %-escape is a 400', async () => {
    const roomy = { ...rules, maxBytes: 1000 }
    const c = new FileCollector(roomy)
    c.addBase64('f', { filename: 'scan.pdf', content: Buffer.from('MZ' + '\0'.repeat(200)).toString('base64') })
    await expect(c.verifyContent()).rejects.toMatchObject({ code: 'RELAY_ERR_FILE_CONTENT', statusCode: 415 })
    const ok = new FileCollector(roomy)
    ok.addBase64('f', { filename: 'scan.pdf', content: Buffer.from('%PDF-1.7\n').toString('base64') })
    await expect(ok.verifyContent()).resolves.toBeUndefined()
    for (const bad of ['%', '%zz', '%E0%A4%A']) {
      expect(() => new FileCollector(rules).addLinks({ 'your-file': `https://x.example/${bad}.pdf` }))
        .toThrow(expect.objectContaining({ code: 'RELAY_ERR_MALFORMED_FILE_LINK', statusCode: 400 }))
    }
  })

  it('any link text either passes or is refused with a 4xx code, never a plain exception', () => {
    const tricky = fc.constantFrom('%', '%zz', '%E0', '%A4%A', '%ED%A0%80', '%C0%AF', '/', '.pdf', '?', '#', '%00', ' ')
    const piece = fc.oneof(tricky, fc.string({ maxLength: 6 }))
    fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
      try {
        new FileCollector({ ...rules, maxFiles: 20 }).addLinks({ 'your-file': `https://x.example/${pieces.join('')}` })
      } catch (err) {
        const status = (err as { statusCode?: number }).statusCode ?? 500
        expect(status).toBeGreaterThanOrEqual(400)
        expect(status).toBeLessThan(500)
      }
    }), { numRuns: 500 })
  })

  it('the route body limit grows for forms that take base64 files', () => {
    const plain = buildConfig({}, { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' })
    expect(intakeBodyLimit(plain)).toBe(plain.limits.bodyBytes)
    const withFiles = buildConfig({ forms: { f: { portal: 'default', files: { maxBytes: 3000, maxFiles: 2 } } } }, { B24_WEBHOOK_URL: 'http://127.0.0.1:9/rest/1/x/' })
    expect(intakeBodyLimit(withFiles)).toBe(withFiles.limits.bodyBytes + 2 * 4000 + 64 * 1024)
  })
})
