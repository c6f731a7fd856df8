import { describe, expect, it } from 'vitest'
import { phpJsonEncode } from '../../src/demo/php-json.ts'
import { cf7PageUrl, CF7_TAGS, phpPostedValues, webhookBody } from '../../src/demo/wordpress.ts'

describe('phpJsonEncode: JSON as PHP json_encode writes it', () => {
  it('escapes non-ASCII as \\uXXXX (emoji as a surrogate pair) and "/" as "\\/"', () => {
    expect(phpJsonEncode({ name: 'Иван', url: 'https://a.example/p/', smile: '🙂', plain: 'a"b\\c\n' }))
      .toBe('{"name":"\\u0418\\u0432\\u0430\\u043d","url":"https:\\/\\/a.example\\/p\\/","smile":"\\ud83d\\ude42",' +
        '"plain":"a\\"b\\\\c\\n"}')
  })

  it('is still JSON that parses back to the same value', () => {
    const value = { a: ['Ёлка', '€5', 'x/y'], b: '' }
    expect(JSON.parse(phpJsonEncode(value))).toEqual(value)
    expect(phpJsonEncode(value)).toMatch(/^[\x20-\x7e]*$/)
  })
})

describe('the CF7 to Webhook stand-in', () => {
  it('folds PHP array names (checkbox-55[]) and keeps single values as text', () => {
    expect(phpPostedValues({ 'checkbox-55[]': ['A', 'B'], 'one[]': 'A', name: 'Ann', many: ['x', 'y'] }))
      .toEqual({ 'checkbox-55': ['A', 'B'], one: ['A'], name: 'Ann', many: ['x', 'y'] })
  })

  it('sends special tags first, then one key per form tag ("" when not posted), never other posted fields', () => {
    const { data, json } = webhookBody(CF7_TAGS, {
      'your-name': 'Анна',
      'checkbox-55': ['Перезвонить'],
      utm_source: 'yandex',
      _ts: '1',
      'not-a-tag': 'x'
    }, {
      _url: 'https://shop.example/p/?utm_source=yandex',
      _post_title: 'Стул',
      _post_url: 'https://shop.example/p/',
      _remote_ip: '203.0.113.7',
      _user_agent: 'UA'
    })
    expect(Object.keys(data).slice(0, 7))
      .toEqual(['_url', '_post_title', '_post_url', '_remote_ip', '_user_agent', 'your-name', 'your-email'])
    expect(Object.keys(data)).toEqual(['_url', '_post_title', '_post_url', '_remote_ip', '_user_agent', ...CF7_TAGS.map((t) => t.name)])
    expect(data)
      .toMatchObject({ 'your-name': 'Анна', 'your-email': '', 'checkbox-55': ['Перезвонить'], utm_source: 'yandex', page_url: '' })
    expect(data).not.toHaveProperty('_ts')
    expect(data).not.toHaveProperty('not-a-tag')
    expect(json).toContain('"_url":"https:\\/\\/shop.example\\/p\\/?utm_source=yandex"')
    expect(json).toContain('"your-name":"\\u0410\\u043d\\u043d\\u0430"')
  })

  it('_url is the Referer when it is on the site, else home + the request URI', () => {
    expect(cf7PageUrl('http://127.0.0.1:8/wp/x/?utm_source=a', 'http://127.0.0.1:8', '/wp/x/')).toBe('http://127.0.0.1:8/wp/x/?utm_source=a')
    expect(cf7PageUrl('https://elsewhere.example/', 'http://127.0.0.1:8', '/wp/x/')).toBe('http://127.0.0.1:8/wp/x/')
    expect(cf7PageUrl(undefined, 'http://127.0.0.1:8', '/wp/x/')).toBe('http://127.0.0.1:8/wp/x/')
  })
})
