/** File user fields: `{fileData: [name, base64]}` (or a list of them) saved as files, kept as {id, showUrl, downloadUrl}. */
import { isRecord, scalarString, toList } from '../request-params.ts'
import type { PortalState } from '../state.ts'

export interface FileRef { id: number, showUrl: string, downloadUrl: string }

/** A value holding fileData (one object or a list of them). */
export function isFileValue (value: unknown): boolean {
  return toList(value).some(item => isRecord(item) && (Object.hasOwn(item, 'fileData') || Object.hasOwn(item, 'filedata')))
}

/** Saves every decodable fileData; what does not decode is ignored, as the portal's saveFile does. */
export function internalizeFileField (state: PortalState, value: unknown): FileRef[] {
  const refs: FileRef[] = []
  for (const item of toList(value)) {
    if (!isRecord(item)) continue
    const data = item.fileData ?? item.filedata
    const parts = Array.isArray(data) ? data : isRecord(data) ? Object.values(data) : [data]
    const [first, second] = parts
    const name = parts.length >= 2 ? scalarString(first) : ''
    const content = scalarString(parts.length >= 2 ? second : first)
    const file = state.crm.saveFile(name, content)
    if (file !== undefined) refs.push({ id: file.id, showUrl: `/_emulator/files/${file.id}`, downloadUrl: `/_emulator/files/${file.id}` })
  }
  return refs
}
