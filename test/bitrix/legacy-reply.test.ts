import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { readReply } from '../../src/bitrix/legacy-client.ts'
import { BitrixError } from '../../src/bitrix/errors.ts'
import { parsePhpJs, PhpJsSyntaxError } from '../../src/bitrix/legacy-reply.ts'
import { phpToJsObject } from '../../src/emulator/methods/legacy-php.ts'

describe('parsePhpJs: CUtil::PhpToJSObject output', () => {
  it('reads the documented reply shapes literally', () => {
    expect(parsePhpJs("{'error':'201','ID':'123','error_message':'Лид добавлен'}"))
      .toEqual({ error: '201', ID: '123', error_message: 'Лид добавлен' })
    expect(parsePhpJs("{'error':'201','ID':'123','error_message':'Лид добавлен','AUTH':'9f1c0e'}")).toMatchObject({ AUTH: '9f1c0e' })
    expect(parsePhpJs("{'error':'400','error_message':'Неизвестная ошибка'}"))
      .toEqual({ error: '400', error_message: 'Неизвестная ошибка' })
    expect(parsePhpJs("{'error':'400','error_message':'Ошибка запроса'}")).toEqual({ error: '400', error_message: 'Ошибка запроса' })
    expect(parsePhpJs("{'error':'403','error_message':'OTP required'}")).toEqual({ error: '403', error_message: 'OTP required' })
    expect(parsePhpJs("{'error':'403','error_message':'Доступ запрещен'}")).toEqual({ error: '403', error_message: 'Доступ запрещен' })
    expect(parsePhpJs("{'RESULTS':[{'error':'201','ID':'1'},{'error':'400','error_message':'x'}]}"))
      .toEqual({ RESULTS: [{ error: '201', ID: '1' }, { error: '400', error_message: 'x' }] })
    expect(parsePhpJs("{'error':'201','FIELDS':[{'ID':'TITLE','NAME':'Название','TYPE':'string','REQUIRED':true},{'ID':'NAME'," +
      "'NAME':'Имя','TYPE':'string','REQUIRED':false}]}"))
      .toEqual({
        error: '201',
        FIELDS: [
          { ID: 'TITLE', NAME: 'Название', TYPE: 'string', REQUIRED: true },
          { ID: 'NAME', NAME: 'Имя', TYPE: 'string', REQUIRED: false }
        ]
      })
  })

  it('undoes JSEscape: quotes, backslashes, line breaks, </ and */', () => {
    expect(parsePhpJs("{'m':'It\\'s \\\"q\\\" a\\\\b\\nline<\\/b> *\\/'}")).toEqual({ m: 'It\'s "q" a\\b\nline</b> */' })
  })

  it('is tolerant: double quotes, JSON, bare keys and literals, whitespace, trailing commas, a BOM', () => {
    expect(parsePhpJs('{"error":"201","ID":123}')).toEqual({ error: '201', ID: 123 })
    expect(parsePhpJs("\uFEFF { error : '201' , ok : true, n: null, list: [1, 2.5, -3,], }\n"))
      .toEqual({ error: '201', ok: true, n: null, list: [1, 2.5, -3] })
    expect(parsePhpJs("{'u':'\\u0418\\x41'}")).toEqual({ u: 'ИA' })
  })

  it('refuses what is not one value', () => {
    for (const bad of [
      '', '<html><title>Login</title></html>', "{'error':'201'", "{'a' 'b'}", "{'a':'b'} trailing", "{'a':'unterminated}"
    ]) {
      expect(() => parsePhpJs(bad), bad).toThrow(PhpJsSyntaxError)
    }
    expect(() => parsePhpJs('['.repeat(50) + ']'.repeat(50))).toThrow(/nested too deeply/)
  })

  it('round-trips any map of strings written the way the portal writes it', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.boolean(), fc.array(fc.string(), {
      maxLength: 3
    }))), (map) => {
      expect(parsePhpJs(phpToJsObject(map))).toEqual(map)
    }), { numRuns: 300 })
  })
})

describe('readReply: importer codes → BitrixError kinds', () => {
  const kindOf = (status: number, text: string): string => {
    try { readReply(status, text); return 'ok' } catch (err) { return (err as BitrixError).kind }
  }

  it("'201' is success; '400' validation; '403' auth; other codes and unreadable replies are bad replies with an unknown outcome", () => {
    expect(readReply(200, "{'error':'201','ID':'5','error_message':'Лид добавлен'}").ID).toBe('5')
    expect(kindOf(200, "{'error':'400','error_message':'The field \"Lead name\" is required.'}")).toBe('validation')
    expect(kindOf(200, "{'error':'403','error_message':'Ошибка авторизации'}")).toBe('auth')
    expect(kindOf(200, "{'error':'500','error_message':'?'}")).toBe('bad_reply')
    expect(kindOf(200, '<html>login form</html>')).toBe('bad_reply')
    expect(kindOf(403, '')).toBe('auth')
    expect(kindOf(404, '')).toBe('method_not_found')
    expect(kindOf(502, '')).toBe('server')
    let err: BitrixError | undefined
    try { readReply(200, '<html>x</html>') } catch (e) { err = e as BitrixError }
    expect(err?.outcomeUnknown).toBe(true)
    try { readReply(200, "{'error':'400','error_message':'bad'}") } catch (e) { err = e as BitrixError }
    expect(err).toMatchObject({ code: 'RELAY_ERR_B24_VALIDATION', b24Description: 'bad', outcomeUnknown: false })
  })
})
