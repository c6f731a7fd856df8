import { describe, expect, it } from 'vitest'
import { contactFields, dealFields } from '../../src/delivery/deal-fields.ts'
import { COMMENT_MAX_CHARS, commentText, filesMarker } from '../../src/delivery/timeline-text.ts'

describe('timeline comment text', () => {
  const base = { language: 'en' as const, formName: 'Order', submissionId: '01ABC', createdAt: Date.UTC(2024, 0, 2, 3, 4, 5) }

  it('holds the form, the id, the time, the page, IP, user agent and every field', () => {
    const text = commentText({ ...base, kind: 'submission', meta: { values: { name: 'Ann', opts: ['a', 'b'] }, referer: 'https://s.example/p', ip: '203.0.113.5', userAgent: 'UA/1' } })
    expect(text.split('\n')).toEqual([
      'Website submission: Order', 'Submission ID: 01ABC', 'Received: 2024-01-02T03:04:05.000Z', 'Page: https://s.example/p', 'IP: 203.0.113.5', 'User agent: UA/1', '', 'name: Ann', 'opts: a, b'
    ])
  })

  it('a files comment carries the files marker and one neutral note per file not attached; the others do not carry it', () => {
    const files = commentText({ ...base, kind: 'files', language: 'ru', files: [{ name: 'a.pdf' }, { name: 'b.pdf', notAttached: true }] })
    expect(files).toContain(filesMarker('01ABC'))
    expect(files.split('\n').slice(-2)).toEqual(['a.pdf', 'b.pdf: не удалось получить'])
    expect(commentText({ ...base, kind: 'files', files: [{ name: 'b.pdf', notAttached: true }] })).toContain('b.pdf: could not be fetched')
    expect(commentText({ ...base, kind: 'repeat', meta: {} })).not.toContain(filesMarker('01ABC'))
  })

  it('is cut at COMMENT_MAX_CHARS', () => {
    const text = commentText({ ...base, kind: 'submission', meta: { values: { big: 'x'.repeat(COMMENT_MAX_CHARS * 2) } } })
    expect(text.length).toBeLessThan(COMMENT_MAX_CHARS + 20)
    expect(text.endsWith('… (cut)')).toBe(true)
  })
})

describe('entity: deal — lead fields split between contact and deal', () => {
  const fields = {
    TITLE: 'T',
    NAME: 'N',
    PHONE: [{ VALUE: '1', VALUE_TYPE: 'WORK' }],
    OPPORTUNITY: 5,
    STATUS_ID: 'NEW',
    COMPANY_TITLE: 'Acme <b>',
    UF_CRM_X: 'u',
    ORIGIN_ID: 'o',
    ASSIGNED_BY_ID: 3,
    COMMENTS: 'c'
  }

  it('the person goes to the contact, the request to the deal; lead-only fields go nowhere', () => {
    expect(contactFields(fields)).toEqual({ NAME: 'N', PHONE: [{ VALUE: '1', VALUE_TYPE: 'WORK' }], ORIGIN_ID: 'o', ASSIGNED_BY_ID: 3 })
    expect(dealFields(fields, 'en'))
      .toEqual({ TITLE: 'T', OPPORTUNITY: 5, UF_CRM_X: 'u', ORIGIN_ID: 'o', ASSIGNED_BY_ID: 3, COMMENTS: 'c<br>Company: Acme &lt;b&gt;' })
    expect(dealFields({ ...fields, COMPANY_ID: 4 }, 'ru').COMMENTS).toBe('c')
  })
})
