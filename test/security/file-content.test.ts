import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { checkFileContent, looksLikeText } from '../../src/security/file-content.ts'

const PDF = Buffer.from('%PDF-1.4\n% doc\n')
const EXE = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(126), Buffer.from('PE\0\0'), Buffer.alloc(64)])
const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), Buffer.alloc(100)])
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.from('IHDR'),
  Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89])])
const ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 3, 4]), Buffer.alloc(40)])
const DEFAULT = ['image/*', 'application/pdf', '.doc', '.docx', '.xls', '.xlsx', '.odt', '.ods', '.txt', '.csv', '.zip']

describe('file content against the accepted types', () => {
  it('recognised content must itself be accepted: an executable named invoice.txt or a.pdf is refused', async () => {
    expect(await checkFileContent('invoice.txt', 'text/plain', EXE, DEFAULT)).toMatchObject({ ok: false })
    expect(await checkFileContent('invoice.txt', 'text/plain', ELF, DEFAULT)).toMatchObject({ ok: false })
    expect(await checkFileContent('a.pdf', 'application/pdf', EXE, DEFAULT))
      .toMatchObject({ ok: false, reason: expect.stringContaining('x-msdownload') })
    expect(await checkFileContent('a.pdf', 'application/pdf', PDF, DEFAULT)).toEqual({ ok: true })
    // A PNG named .jpg is still an image, and images are accepted.
    expect(await checkFileContent('photo.jpg', 'image/jpeg', PNG, DEFAULT)).toEqual({ ok: true })
    expect(await checkFileContent('photo.png', 'image/png', PNG, ['.pdf'])).toMatchObject({ ok: false })
  })

  it('office files read as their container (ZIP, OLE) pass when their own name is accepted', async () => {
    expect(await checkFileContent('offer.docx', '', ZIP, ['.docx'])).toEqual({ ok: true })
    expect(await checkFileContent('offer.pdf', '', ZIP, ['.pdf', '.docx'])).toMatchObject({ ok: false })
    expect(await checkFileContent('a.zip', '', ZIP, ['.zip'])).toEqual({ ok: true })
  })

  it('content without a signature passes only as text that looks like text', async () => {
    expect(await checkFileContent('note.txt', 'text/plain', Buffer.from('Добрый день\r\n\tx'), DEFAULT)).toEqual({ ok: true })
    expect(await checkFileContent('table.csv', '', iconv.encode('Имя;Телефон\nОльга;+7 900\n', 'win1251'), DEFAULT)).toEqual({ ok: true })
    expect(await checkFileContent('empty.txt', 'text/plain', Buffer.alloc(0), DEFAULT)).toEqual({ ok: true })
    expect(await checkFileContent('bin.txt', 'text/plain', Buffer.from([0x41, 0x00, 0x01, 0x02]), DEFAULT)).toMatchObject({ ok: false })
    expect(await checkFileContent('fake.pdf', 'application/pdf', Buffer.from('just text'), DEFAULT)).toMatchObject({ ok: false })
    expect(looksLikeText(Buffer.from([0xff, 0xfe, 0x41, 0x00]))).toBe(true)
  })

  it('is linear: a 5 MB text is judged in one pass', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, 'a')
    expect(await checkFileContent('big.txt', 'text/plain', big, DEFAULT)).toEqual({ ok: true })
  })
})
