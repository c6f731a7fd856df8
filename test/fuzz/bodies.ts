/**
 * fast-check arbitraries for the intake fuzz test: hostile bodies per content type (random bytes,
 * huge or deeply nested JSON, broken multipart, wrong charsets, control characters, RTL and emoji,
 * 10,000 fields, megabyte values) and well-formed submissions in every body kind.
 */
import fc from 'fast-check'
import iconv from 'iconv-lite'

export interface Body { kind: string, contentType: string, body: Buffer }

const MB = 1024 * 1024
const text = (s: string): Buffer => Buffer.from(s, 'utf8')

/** Text that stresses decoders: control characters, RTL marks and Arabic/Hebrew, emoji (with ZWJ), lone surrogates. */
export const nastyString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '\u0000\u0001\u0007\u001b[31m\u007f',
    '\u202e\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd\u202c',
    '👩‍👩‍👧‍👦🏳️‍🌈🇷🇺',
    '\ud800\udfff\ud800',
    'a\r\nb\tc',
    '%00%ff%',
    '__proto__',
    'constructor',
    '\ufeffBOM',
    '<script>x</script>',
    '../../etc/passwd',
    '\u2028\u2029'
  )
)

const charsetParam = fc.constantFrom(
  '', '; charset=utf-8', '; charset=windows-1251', '; charset=koi8-r', '; charset=utf-16le', '; charset=utf-7', '; charset=x-unknown-42',
  '; charset="', '; charset=', '; charset=ISO-8859-1'
)

const randomBytes = fc.uint8Array({ maxLength: 2048 }).map(a => Buffer.from(a))

function manyFields (n: number, sep: string): string {
  const parts: string[] = []
  for (let i = 0; i < n; i++) parts.push(`f${i}${sep}${i % 10}`)
  return parts.join('&')
}

const urlencodedBody: fc.Arbitrary<Buffer> = fc.oneof(
  randomBytes,
  fc.array(fc.tuple(nastyString, nastyString), { maxLength: 30 }).map(pairs => text(
    pairs.map(
      ([k, v]) => `${encodeURIComponent(k.replace(/[\ud800-\udfff]/g, ''))}=${encodeURIComponent(v.replace(/[\ud800-\udfff]/g, ''))}`
    ).join('&')
  )),
  fc.array(nastyString, { maxLength: 30 }).map(parts => text(parts.join('&'))),
  fc.constantFrom(
    text(manyFields(10_000, '=')),
    text('a=' + 'x'.repeat(MB)),
    text('x'.repeat(MB)),
    text('%'.repeat(5000)),
    text('&&&==&=&'),
    text('__proto__[admin]=1&constructor[prototype][admin]=1'),
    text('a=%E0%A4%A&b=%FF%FE%00'),
    Buffer.from([0x61, 0x3d, 0xc3, 0x28, 0xa0, 0xa1])
  )
)

function nestedJson (depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth)
}

const jsonBody: fc.Arbitrary<Buffer> = fc.oneof(
  randomBytes,
  fc.json({ maxDepth: 4 }).map(text),
  fc.dictionary(
    nastyString,
    fc.oneof(nastyString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(nastyString, { maxLength: 5 }), fc.object({
      maxDepth: 2
    })),
    { maxKeys: 30 }
  )
    .map(o => text(JSON.stringify(o))),
  fc.constantFrom(
    text(nestedJson(100_000)),
    text('{"a":' + '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_001)),
    text(JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i])))),
    text(JSON.stringify({ big: 'x'.repeat(MB) })),
    text('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}'),
    text('{"a":"\\ud800"}'), text('\ufeff{"a":1}'), text('[1,2,3]'), text('"just a string"'), text('null'), text('{"a":1,}'),
    text('{"a":1e999999}'), text('{"a":' + '9'.repeat(100_000) + '}'), iconv.encode('{"имя":"Иван"}', 'utf-16le')
  )
)

function multipartOf (boundary: string, parts: Array<{ name: string, value: string, filename?: string }>, close = true): Buffer {
  const chunks = parts.map(p => `--${boundary}\r\nContent-Disposition: form-data; ` +
    `name="${p.name}"${p.filename !== undefined ? `; filename="${p.filename}"` : ''}\r\n\r\n${p.value}\r\n`)
  return text(chunks.join('') + (close ? `--${boundary}--\r\n` : ''))
}

const multipartBody: fc.Arbitrary<{ boundary: string, body: Buffer }> = fc.oneof(
  randomBytes.map(body => ({ boundary: 'B0und', body })),
  fc.array(fc.record({ name: nastyString, value: nastyString, filename: fc.option(nastyString, { nil: undefined }) }), { maxLength: 20 })
    .map(parts => ({
      boundary: 'B0und',
      body: multipartOf('B0und', parts.map(p => ({
        name: p.name.replace(/["\r\n]/g, ''),
        value: p.value,
        ...(p.filename !== undefined ? { filename: p.filename.replace(/["\r\n]/g, '') } : {})
      })))
    })),
  fc.tuple(fc.array(fc.record({ name: fc.string({ maxLength: 10 }), value: nastyString }), { minLength: 1, maxLength: 5 }), fc.nat(400))
    .map(([parts, cut]) => {
      const b = multipartOf('B0und', parts); return { boundary: 'B0und', body: b.subarray(0, Math.min(cut, b.length)) }
    }),
  fc.constantFrom(
    { boundary: 'B0und', body: multipartOf('B0und', Array.from({ length: 10_000 }, (_, i) => ({ name: `f${i}`, value: 'v' }))) },
    { boundary: 'B0und', body: multipartOf('B0und', [{ name: 'big', value: 'x'.repeat(MB) }]) },
    { boundary: 'B0und', body: multipartOf('B0und', [{ name: 'cv', value: 'x'.repeat(MB), filename: 'cv.pdf' }]) },
    { boundary: 'B0und', body: multipartOf('Other', [{ name: 'a', value: 'b' }]) },
    { boundary: 'B0und', body: text('--B0und\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--B0und--\r\n') },
    { boundary: 'B0und', body: text('--B0und\r\nGarbage-Header\r\n\r\nx\r\n--B0und--') },
    { boundary: 'B0und', body: multipartOf('B0und', [{ name: '__proto__', value: 'x' }, { name: 'constructor', value: 'y' }]) },
    { boundary: 'B0und', body: multipartOf('B0und', [{ name: 'a', value: 'b' }], false) },
    { boundary: 'B0und', body: text('') },
    {
      boundary: 'B0und',
      body: Buffer.concat([
        text('--B0und\r\nContent-Disposition: form-data; name="n"\r\n\r\n'),
        iconv.encode('Привет', 'koi8-r'),
        text('\r\n--B0und--\r\n')
      ])
    }
  )
)

const boundaryHeader = fc.constantFrom(
  '; boundary=B0und', '; boundary="B0und"', '', '; boundary=', '; boundary=' + 'x'.repeat(200), '; boundary=B0und; charset=windows-1251'
)

/** Hostile request bodies per content type, plus strange content types ("other"). */
export const hostileBodies = {
  urlencoded: fc.tuple(urlencodedBody, charsetParam).map(([body, cs]): Body => ({
    kind: 'urlencoded',
    contentType: 'application/x-www-form-urlencoded' + cs,
    body
  })),
  json: fc.tuple(jsonBody, charsetParam).map(([body, cs]): Body => ({ kind: 'json', contentType: 'application/json' + cs, body })),
  text: fc.tuple(jsonBody, charsetParam).map(([body, cs]): Body => ({ kind: 'text', contentType: 'text/plain' + cs, body })),
  multipart: fc.tuple(multipartBody, boundaryHeader).map(([m, b]): Body => ({
    kind: 'multipart',
    contentType: 'multipart/form-data' + b,
    body: m.body
  })),
  other: fc.tuple(randomBytes, fc.constantFrom(
    'application/xml',
    'text/html',
    'multipart/mixed; boundary=x',
    'application/x-www-form-urlencoded;;;',
    '',
    'application/json; charset=utf-8; charset=koi8-r',
    '*/*'
  ))
    .map(([body, contentType]): Body => ({ kind: 'other', contentType, body }))
}

/** A person's submission: names in any script with emoji and RTL, a real-looking phone, a message. */
export interface Lead { name: string, phone: string, message: string, city: string }

const humanText = (max: number): fc.Arbitrary<string> => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max })
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
  .map(s => s.replace(/[\u0000-\u001f\u007f]/g, ' ').trim())
  .filter(s => s !== '')

export const wellFormedLead: fc.Arbitrary<Lead> = fc.record({
  name: fc.oneof(humanText(40), fc.constantFrom('Иван Петров', 'محمد علي', 'שרה כהן', 'José 👋', 'Zoë 🇷🇺 Ъ', '王小明')),
  phone: fc.tuple(fc.integer({ min: 900, max: 999 }), fc.integer({
    min: 0,
    max: 9_999_999
  })).map(([a, b]) => `+7 ${a} ${String(b).padStart(7, '0')}`),
  message: fc.oneof(humanText(400), fc.constantFrom('Перезвоните 🙏\nпосле 18:00', 'line1\r\nline2\ttab', '\u202eRTL override\u202c')),
  city: fc.oneof(fc.constant(''), humanText(30))
})

export type WellFormedKind = 'urlencoded' | 'urlencoded-1251' | 'json' | 'text' | 'multipart'
export const wellFormedKind = fc.constantFrom<WellFormedKind>('urlencoded', 'urlencoded-1251', 'json', 'text', 'multipart')

/** Encodes a lead as a browser or a script would send it in the given body kind. */
export function encodeLead (lead: Lead, kind: WellFormedKind): Body {
  const fields: Record<string, string> = { name: lead.name, phone: lead.phone, message: lead.message, city: lead.city }
  switch (kind) {
    case 'urlencoded':
      return { kind, contentType: 'application/x-www-form-urlencoded', body: text(new URLSearchParams(fields).toString()) }
    case 'urlencoded-1251': {
      const enc = (s: string): string => [...iconv.encode(s, 'win1251')].map(b => '%' + b.toString(16).padStart(2, '0')).join('')
      const body = Object.entries(fields).map(([k, v]) => `${k}=${enc(v)}`).join('&')
      return { kind, contentType: 'application/x-www-form-urlencoded; charset=windows-1251', body: text(body) }
    }
    case 'json':
      return { kind, contentType: 'application/json', body: text(JSON.stringify(fields)) }
    case 'text':
      return { kind, contentType: 'text/plain;charset=UTF-8', body: text(JSON.stringify(fields)) }
    case 'multipart':
      return {
        kind,
        contentType: 'multipart/form-data; boundary=----fuzzbound',
        body: multipartOf('----fuzzbound', Object.entries(fields).map(([name, value]) => ({ name, value })))
      }
  }
}

/** windows-1251 cannot carry every character: such a lead is sent as UTF-8 instead. */
export function fitsWindows1251 (lead: Lead): boolean {
  const all = lead.name + lead.phone + lead.message + lead.city
  return iconv.decode(iconv.encode(all, 'win1251'), 'win1251') === all
}
