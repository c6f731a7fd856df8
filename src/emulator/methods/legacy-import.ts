/**
 * The legacy "simplified lead import" at /crm/configs/import/lead.php: LOGIN + PASSWORD (or the
 * AUTH hash it hands back), flat field names (PHONE_WORK, EMAIL_HOME; several values joined with
 * ';'), and always HTTP 200 with a single-quoted reply such as {'error':'201','ID':'12',...}.
 * It reads no ORIGIN_ID, so nothing it creates can be looked up by origin.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { bodyParams } from '../body-parsers.ts'
import { RestError } from '../rest-error.ts'
import { queryString } from '../rest-path.ts'
import { isRecord, parseBracketQuery, scalarString, toList, type Params } from '../request-params.ts'
import type { PortalState } from '../state.ts'
import { addLead } from './lead-write.ts'
import { phpToJsObject } from './legacy-php.ts'
import { convertIfSimpleMode } from './settings-conversion.ts'
import { statusesOf } from './status-data.ts'

export const LEGACY_PATH = '/crm/configs/import/lead.php'

const SCALARS = new Set([
  'TITLE', 'HONORIFIC', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'BIRTHDATE', 'ADDRESS', 'ADDRESS_2', 'ADDRESS_CITY',
  'ADDRESS_COUNTRY', 'ADDRESS_COUNTRY_CODE', 'ADDRESS_POSTAL_CODE', 'ADDRESS_PROVINCE', 'ADDRESS_REGION',
  'COMPANY_TITLE', 'POST', 'COMMENTS', 'SOURCE_DESCRIPTION', 'STATUS_DESCRIPTION', 'OPPORTUNITY', 'CURRENCY_ID',
  'PRODUCT_ID', 'STATUS_ID', 'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_MEDIUM', 'UTM_SOURCE', 'UTM_TERM'
])
const MULTI_KEY = /^(PHONE|EMAIL|WEB|IM)_([A-Z]+)$/

const MESSAGES = {
  ok: 'Лид добавлен',
  badRequest: 'Ошибка запроса',
  noAuth: 'Ошибка авторизации',
  denied: 'Доступ запрещен',
  badLogin: 'Неверный логин или пароль.',
  unknown: 'Неизвестная ошибка'
}

/** The AUTH hash a successful LOGIN/PASSWORD answer carries and later requests may send instead. */
export function legacyAuthHash (state: PortalState): string {
  const { login, password } = state.settings.legacy
  return createHash('sha1').update(`${login}\0${password}`).digest('hex')
}

/** PrepareFields: ';' separates values; for PHONE and EMAIL ',' does when there is no ';', and for EMAIL a space as a last resort. */
function splitValues (type: string, text: string): string[] {
  let parts = text.split(';')
  if (parts.length === 1 && (type === 'PHONE' || type === 'EMAIL')) parts = text.split(',')
  if (parts.length === 1 && type === 'EMAIL') parts = text.split(/\s+/)
  return parts.map(p => p.trim()).filter(p => p !== '')
}

/** Flat legacy fields → the REST `fields` of crm.lead.add. */
function restFields (state: PortalState, input: Params): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [key, raw] of Object.entries(input)) {
    const multi = MULTI_KEY.exec(key)
    if (multi !== null) {
      const [, type = '', valueType = ''] = multi
      const list = (fields[type] as Array<Record<string, string>> | undefined) ?? []
      for (const value of splitValues(type, scalarString(raw))) list.push({ VALUE: value, VALUE_TYPE: valueType })
      if (list.length > 0) fields[type] = list
    } else if (SCALARS.has(key) || key.startsWith('UF_')) {
      fields[key] = scalarString(raw)
    }
  }
  // An array of responsible users: the first one counts.
  const assigned = Number.parseInt(scalarString(toList(input.ASSIGNED_BY_ID)[0]), 10)
  if (Number.isInteger(assigned) && assigned > 0) fields.ASSIGNED_BY_ID = assigned
  // SOURCE_ID by id, else by name, else dropped.
  const source = scalarString(input.SOURCE_ID).trim()
  if (source !== '') {
    const sources = statusesOf(state, 'SOURCE')
    const match = sources.find(s => s.STATUS_ID === source) ?? sources.find(s => s.NAME.toLowerCase() === source.toLowerCase())
    if (match !== undefined) fields.SOURCE_ID = match.STATUS_ID
  }
  return fields
}

type Reply = Record<string, unknown>

function handle (state: PortalState, params: Params): Reply {
  const nonAuth = Object.keys(params).filter(k => !['LOGIN', 'PASSWORD', 'AUTH', 'method'].includes(k))
  const method = scalarString(params.method).trim() || 'lead.add'
  if (nonAuth.length === 0 && method === 'lead.add') return { error: '400', error_message: MESSAGES.badRequest }
  const { login, password } = state.settings.legacy
  let auth: string | undefined
  if (params.LOGIN !== undefined || params.PASSWORD !== undefined) {
    if (scalarString(params.LOGIN) !== login || scalarString(params.PASSWORD) !== password) {
      return { error: '403', error_message: MESSAGES.badLogin }
    }
    auth = legacyAuthHash(state)
  } else if (params.AUTH !== undefined) {
    if (scalarString(params.AUTH) !== legacyAuthHash(state)) return { error: '403', error_message: MESSAGES.denied }
  } else {
    return { error: '403', error_message: MESSAGES.noAuth }
  }
  const withAuth = (reply: Reply): Reply => auth === undefined ? reply : { ...reply, AUTH: auth }
  if (method === 'lead.get_fields') {
    const names = [
      'TITLE', 'NAME', 'LAST_NAME', 'PHONE_WORK', 'PHONE_MOBILE', 'EMAIL_WORK', 'EMAIL_HOME', 'COMMENTS', 'SOURCE_ID', 'ASSIGNED_BY_ID'
    ]
    return withAuth({ error: '201', FIELDS: names.map(n => ({ ID: n, NAME: n, TYPE: 'string', REQUIRED: n === 'TITLE' })) })
  }
  if (method !== 'lead.add') return { error: '400', error_message: MESSAGES.badRequest }
  state.countMethod('legacy:lead.add')
  try {
    const id = addLead(state, restFields(state, params), {}, false)
    convertIfSimpleMode(state, id)
    return withAuth({ error: '201', ID: id, error_message: MESSAGES.ok })
  } catch (err) {
    if (!(err instanceof RestError)) throw err
    const text = err.description.replace(/<[^>]*>/g, '').trim()
    return { error: '400', error_message: text === '' ? MESSAGES.unknown : text }
  }
}

export function registerLegacyRoute (app: FastifyInstance, state: PortalState): void {
  app.route({
    method: ['GET', 'POST'],
    url: LEGACY_PATH,
    handler: async (request: FastifyRequest, reply: FastifyReply) => {
      state.countRequest()
      const { fault } = state.faults.decide()
      if (fault !== undefined) state.countFault(fault)
      if (fault === 'reset') { reply.hijack(); request.raw.socket.destroy(); return }
      if (fault === '500' || fault === '503') {
        return reply.code(Number(fault)).type('text/html').send('<html><title>Server error</title></html>')
      }
      // $_POST for a POST, $_GET otherwise.
      const params = request.method === 'POST' ? bodyParams(request) : parseBracketQuery(queryString(request.raw.url ?? ''))
      const answer = phpToJsObject(handle(state, isRecord(params) ? params : {}))
      if (fault === 'lostReply') { reply.hijack(); request.raw.socket.destroy(); return }
      return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('x-crm-version', '11.5.0').send(answer)
    }
  })
}
