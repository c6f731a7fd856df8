/**
 * The text of the timeline comments the relay writes: the whole original submission (every field,
 * the page, IP and user agent, from the stored `meta`) for `timeline: true` and `duplicates: merge`,
 * and the note that carries files. Each names the submission id, which is also what the guards
 * look for before writing a comment again.
 */
import { plainRichText } from '../mapping/rich-text.ts'

export interface SubmissionMeta {
  values?: Record<string, unknown>
  referer?: string
  ip?: string
  userAgent?: string
}

export type CommentKind = 'submission' | 'repeat' | 'files'

const TEXT = {
  ru: {
    submission: 'Заявка с сайта',
    repeat: 'Повторная заявка с сайта',
    files: 'Файлы из заявки',
    page: 'Страница',
    ip: 'IP',
    agent: 'Браузер',
    id: 'ID заявки',
    time: 'Получена',
    truncated: '… (обрезано)',
    failed: 'не удалось получить'
  },
  en: {
    submission: 'Website submission',
    repeat: 'Repeat website submission',
    files: 'Files of submission',
    page: 'Page',
    ip: 'IP',
    agent: 'User agent',
    id: 'Submission ID',
    time: 'Received',
    truncated: '… (cut)',
    failed: 'could not be fetched'
  }
} as const

/** Comments stay readable and well inside a batch command; the values are in the stored submission anyway. */
export const COMMENT_MAX_CHARS = 20_000

/** The line the files guard looks for: only the files comment of this submission carries it. */
export function filesMarker (submissionId: string): string {
  return `[files:${submissionId}]`
}

const valueText = (v: unknown): string => Array.isArray(v) ? v.map(String).join(', ') : v === null || v === undefined ? '' : String(v)

export interface CommentInput {
  kind: CommentKind
  language: 'ru' | 'en'
  formName: string
  submissionId: string
  createdAt: number
  meta?: SubmissionMeta
  /**
   * Files: their names; one not attached gets the same neutral note whatever the reason (which
   * only the log holds: in the CRM, "HTTP 404" or "connection refused" would map internal ports).
   */
  files?: Array<{ name: string, notAttached?: boolean }>
}

/** Visitor text (values, page, user agent, file names) goes through rich-text.ts; the relay's own marker does not. */
function richLines (lines: readonly string[], submissionId: string): string {
  const marker = filesMarker(submissionId)
  return lines.map(line => line === marker ? line : plainRichText(line)).join('\n')
}

export function commentText (input: CommentInput): string {
  const t = TEXT[input.language]
  const lines: string[] = [
    `${t[input.kind]}: ${input.formName}`,
    `${t.id}: ${input.submissionId}`,
    `${t.time}: ${new Date(input.createdAt).toISOString()}`
  ]
  if (input.kind === 'files') {
    lines.push(filesMarker(input.submissionId))
    for (const f of input.files ?? []) lines.push(f.notAttached === true ? `${f.name}: ${t.failed}` : f.name)
    return richLines(lines, input.submissionId)
  }
  const meta = input.meta ?? {}
  if (meta.referer !== undefined && meta.referer !== '') lines.push(`${t.page}: ${meta.referer}`)
  if (meta.ip !== undefined && meta.ip !== '') lines.push(`${t.ip}: ${meta.ip}`)
  if (meta.userAgent !== undefined && meta.userAgent !== '') lines.push(`${t.agent}: ${meta.userAgent}`)
  lines.push('')
  for (const [name, value] of Object.entries(meta.values ?? {})) lines.push(`${name}: ${valueText(value)}`)
  for (const f of input.files ?? []) lines.push(f.notAttached === true ? `📎 ${f.name}: ${t.failed}` : `📎 ${f.name}`)
  const text = richLines(lines, input.submissionId)
  return text.length > COMMENT_MAX_CHARS ? text.slice(0, COMMENT_MAX_CHARS) + t.truncated : text
}
