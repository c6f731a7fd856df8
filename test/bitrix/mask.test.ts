import { describe, expect, it } from 'vitest'
import { maskSecrets, maskWebhook } from '../../src/bitrix/mask.ts'
import { BitrixError, BitrixUsageError } from '../../src/bitrix/errors.ts'

describe('maskWebhook', () => {
  it('hides the webhook code', () => {
    expect(maskWebhook('https://portal.bitrix24.com/rest/1/abc123def/')).toBe('https://portal.bitrix24.com/rest/1/***/')
    expect(maskWebhook('https://portal.bitrix24.com/rest/17/abc123def')).toBe('https://portal.bitrix24.com/rest/17/***')
    expect(maskWebhook('https://portal.bitrix24.com/rest/1/abc123def/crm.lead.add.json')).toBe('https://portal.bitrix24.com/rest/1/***/crm.lead.add.json')
    expect(maskWebhook('https://portal.bitrix24.com/rest/api/1/abc123def/')).toBe('https://portal.bitrix24.com/rest/api/1/***/')
  })

  it('drops userinfo and auth tokens', () => {
    expect(maskWebhook('https://u:p@portal.example/rest/1/abc/')).toBe('https://portal.example/rest/1/***/')
    expect(maskWebhook('https://portal.example/rest/crm.lead.add?auth=tok123&x=1')).toBe('https://portal.example/rest/crm.lead.add?auth=***&x=1')
  })

  it('masks inside free text and non-URLs, idempotently', () => {
    const text = 'POST /rest/1/abc123/crm.lead.add failed; retry https://p.example/rest/9/zzz/'
    expect(maskSecrets(text)).toBe('POST /rest/1/***/crm.lead.add failed; retry https://p.example/rest/9/***/')
    expect(maskSecrets(maskSecrets(text))).toBe(maskSecrets(text))
    expect(maskWebhook('not a url /rest/1/abc/')).toBe('not a url /rest/1/***/')
  })
})

describe('error texts', () => {
  it('mask the secret in every string field', () => {
    const err = new BitrixError({ kind: 'server', message: 'see https://p.example/rest/1/topsecret/x', b24Description: 'at /rest/1/topsecret/', location: 'https://p.example/rest/1/topsecret/', retryable: true, outcomeUnknown: true })
    expect(JSON.stringify({ ...err, message: err.message })).not.toContain('topsecret')
    expect(new BitrixUsageError('bad https://p.example/rest/1/topsecret/').message).not.toContain('topsecret')
  })
})
