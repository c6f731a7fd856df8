/**
 * Files end to end: multipart uploads and Contact Form 7 file fields (base64 objects and links)
 * kept with the submission within the form's limits, then attached after the add — to a file
 * field with crm.lead.update, or as a timeline comment with FILES — once, even when a reply is lost.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { buildConfig } from '../../src/config/load.ts'
import { startRig, type Rig } from './extras-rig.ts'

const PDF = Buffer.from('%PDF-1.4\n% test document\n')
// A real PNG header (signature + IHDR): uploads are checked by content, not by name.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89])])

function multipart (parts: Array<{ name: string, value?: string, file?: { filename: string, type: string, bytes: Buffer } }>): { body: Buffer, type: string } {
  const boundary = 'extrasFilesBoundary'
  const chunks: Buffer[] = []
  for (const p of parts) {
    const head = p.file === undefined
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.file.filename}"\r\nContent-Type: ${p.file.type}\r\n\r\n`
    chunks.push(Buffer.from(head, 'utf8'), p.file?.bytes ?? Buffer.from(p.value ?? '', 'utf8'), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), type: `multipart/form-data; boundary=${boundary}` }
}

describe('files', () => {
  let rig: Rig
  let site: Server
  let siteUrl: string
  beforeAll(async () => {
    site = createServer((req, res) => {
      if (req.url === '/uploads/offer.pdf') { res.writeHead(200, { 'content-type': 'application/pdf' }); res.end(PDF); return }
      if (req.url === '/uploads/huge.pdf') { res.writeHead(200, { 'content-type': 'application/pdf' }); res.end(Buffer.alloc(5000, 1)); return }
      res.writeHead(404); res.end()
    })
    await new Promise<void>(resolve => site.listen(0, '127.0.0.1', resolve))
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`
    rig = await startRig({
      emulator: { userFields: [{ name: 'UF_CRM_DOCS', type: 'file', multiple: true }] },
      config: (emu) => buildConfig({
        forms: {
          upload: { portal: 'default', fields: { name: 'NAME' }, files: { maxBytes: 1000, maxFiles: 2, types: ['application/pdf', 'image/*'], target: 'UF_CRM_DOCS' } },
          // The site is this machine: fetching from it needs the opt-in (test/e2e/extras-file-links.test.ts shows the default).
          comment: { name: 'CF7', portal: 'default', fields: { 'your-name': 'NAME' },
            files: { maxBytes: 1000, types: ['.txt', '.pdf'], fields: ['your-file'], download: true, allowPrivateAddresses: true } },
          noFiles: { portal: 'default', fields: { name: 'NAME' } }
        }
      }, { B24_WEBHOOK_URL: emu.webhookUrl })
    })
  })
  afterAll(async () => {
    await rig.close()
    await new Promise(resolve => site.close(resolve))
  })
  beforeEach(() => { rig.emulator.reset(); rig.emulator.setFaults({}) })

  async function postMultipart (formId: string, parts: Parameters<typeof multipart>[0]): Promise<Response> {
    const { body, type } = multipart(parts)
    return await fetch(`${rig.baseUrl}/f/${formId}`, { method: 'POST', body: new Uint8Array(body), headers: { 'content-type': type, accept: 'application/json' } })
  }

  it('keeps multipart uploads and puts them into the file field with crm.lead.update, after the add and outside the batch', async () => {
    const res = await postMultipart('upload', [
      { name: 'name', value: 'Ольга' },
      { name: 'docs', file: { filename: 'Договор.pdf', type: 'application/pdf', bytes: PDF } },
      { name: 'docs', file: { filename: 'photo.png', type: 'image/png', bytes: PNG } }
    ])
    expect(res.status).toBe(202)
    const rec = await rig.settled(((await res.json()) as { id: string }).id)
    expect(rec.status).toBe('delivered')
    const lead = rig.emulator.lead(rec.leadId as number)!
    expect((lead.fields.UF_CRM_DOCS as unknown[]).length).toBe(2)
    expect(rig.emulator.files().map(f => [f.name, Buffer.from(f.content, 'base64').equals(f.name === 'photo.png' ? PNG : PDF)])).toEqual([['Договор.pdf', true], ['photo.png', true]])
    expect(lead.fields.COMMENTS).toContain('Договор.pdf (вложение)')
    // batch (the add), crm.lead.get (is the field still empty?), crm.lead.update: three requests.
    expect(rig.emulator.stats().requests).toBe(3)
    expect(rig.emulator.stats().byMethod).toMatchObject({ batch: 1, 'crm.lead.add': 1, 'crm.lead.get': 1, 'crm.lead.update': 1 })
  })

  it('attaches once when the update\'s reply is lost: the retry sees the field already set', async () => {
    rig.emulator.setFaults({ next: ['ok', 'ok', 'lostReply'] })
    const res = await postMultipart('upload', [{ name: 'name', value: 'Lost' }, { name: 'doc', file: { filename: 'a.pdf', type: 'application/pdf', bytes: PDF } }])
    const rec = await rig.settled(((await res.json()) as { id: string }).id, 15_000)
    expect(rec.status).toBe('delivered')
    expect(rec.attempts).toBe(2)
    expect(rig.emulator.leads()).toHaveLength(1)
    expect(rig.emulator.files()).toHaveLength(1)
    expect(rig.emulator.stats().byMethod['crm.lead.update']).toBe(1)
  })

  it('refuses a file over maxBytes (413), of a type not accepted (415), and one file too many (413)', async () => {
    const big = await postMultipart('upload', [{ name: 'doc', file: { filename: 'big.pdf', type: 'application/pdf', bytes: Buffer.alloc(1001, 1) } }])
    expect([big.status, big.headers.get('x-relay-error')]).toEqual([413, 'RELAY_ERR_FILE_TOO_LARGE'])
    const exe = await postMultipart('upload', [{ name: 'doc', file: { filename: 'run.exe', type: 'application/x-msdownload', bytes: PNG } }])
    expect([exe.status, exe.headers.get('x-relay-error')]).toEqual([415, 'RELAY_ERR_FILE_TYPE'])
    const many = await postMultipart('upload', [1, 2, 3].map(i => ({ name: 'doc', file: { filename: `${i}.png`, type: 'image/png', bytes: PNG } })))
    expect([many.status, many.headers.get('x-relay-error')]).toEqual([413, 'RELAY_ERR_TOO_MANY_FILES'])
    const json = await fetch(`${rig.baseUrl}/f/comment`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ 'your-name': 'x', f: { filename: 'x.txt', content: 'not base64!' } }) })
    expect([json.status, json.headers.get('x-relay-error')]).toEqual([400, 'RELAY_ERR_MALFORMED_FILE'])
    expect(rig.emulator.leads()).toHaveLength(0)
  })

  it('a CF7 base64 file and a CF7 link (fetched at delivery) go to one timeline comment with FILES, once under a lost reply', async () => {
    // batch, comment list, comment add (reply lost) → the retry finds the lead, sees its files marker, adds nothing.
    rig.emulator.setFaults({ next: ['ok', 'ok', 'lostReply'] })
    const id = await rig.post('comment', {
      'your-name': 'Анна',
      note: { filename: 'note.txt', content: Buffer.from('привет').toString('base64') },
      'your-file': `${siteUrl}/uploads/offer.pdf`
    })
    const rec = await rig.settled(id, 15_000)
    expect(rec.status).toBe('delivered')
    const comments = rig.emulator.comments()
    expect(comments).toHaveLength(1)
    expect(comments[0]).toMatchObject({ ENTITY_TYPE: 'lead', ENTITY_ID: rec.leadId })
    expect(comments[0]!.COMMENT).toContain(`[files:${id}]`)
    const files = rig.emulator.files()
    expect(files.map(f => f.name)).toEqual(['note.txt', 'offer.pdf'])
    expect(Buffer.from(files[0]!.content, 'base64').toString()).toBe('привет')
    expect(Buffer.from(files[1]!.content, 'base64').equals(PDF)).toBe(true)
  })

  it('a link that cannot be fetched within the limits gets the neutral note (the reason is logged); the lead is delivered', async () => {
    const id = await rig.post('comment', { 'your-name': 'B', 'your-file': `${siteUrl}/uploads/huge.pdf` })
    const rec = await rig.settled(id)
    expect(rec.status).toBe('delivered')
    expect(rig.emulator.comments()[0]!.COMMENT.split('\n').at(-1)).toBe('huge.pdf: не удалось получить')
    expect(rig.logs.some(l => l.includes(id) && l.includes('larger than 1000 bytes') && l.includes('RELAY_ERR_LINK_FAILED'))).toBe(true)
    expect(rig.emulator.files()).toHaveLength(0)
  })

  it('a form without `files` still notes an upload by name and drops it', async () => {
    const res = await postMultipart('noFiles', [{ name: 'name', value: 'C' }, { name: 'doc', file: { filename: 'a.pdf', type: 'application/pdf', bytes: PDF } }])
    const rec = await rig.settled(((await res.json()) as { id: string }).id)
    expect(rig.emulator.lead(rec.leadId as number)!.fields.COMMENTS).toContain('a.pdf (вложение)')
    expect(rig.emulator.files()).toHaveLength(0)
  })
})
