/** What the emulated portal keeps besides leads: contacts, companies, deals, timeline comments, product rows, files, traces. */
import type { StoredComment, StoredEntity, StoredFile, StoredProductRow, StoredTrace } from './types.ts'

export type EntityKind = 'contact' | 'company' | 'deal'

export class CrmStore {
  readonly entities: Record<EntityKind, Map<number, StoredEntity>> = { contact: new Map(), company: new Map(), deal: new Map() }
  readonly comments = new Map<number, StoredComment>()
  /** Keyed "L:12" / "D:3": `set` replaces an owner's rows as a whole. */
  readonly productRows = new Map<string, StoredProductRow[]>()
  readonly files = new Map<number, StoredFile>()
  /** Sales Intelligence traces, from an add's TRACE field or crm.tracking.trace.add. */
  readonly traces = new Map<number, StoredTrace>()
  #lastIds: Record<EntityKind | 'comment' | 'row' | 'file' | 'trace', number> =
    { contact: 0, company: 0, deal: 0, comment: 0, row: 0, file: 0, trace: 0 }

  nextId (kind: EntityKind | 'comment' | 'row' | 'file' | 'trace'): number {
    return ++this.#lastIds[kind]
  }

  save (kind: EntityKind, entity: StoredEntity): void {
    this.entities[kind].set(entity.ID, entity)
  }

  get (kind: EntityKind, id: number): StoredEntity | undefined {
    return this.entities[kind].get(id)
  }

  /** In id order (ids only grow and maps keep insertion order). */
  list (kind: EntityKind): StoredEntity[] {
    return [...this.entities[kind].values()]
  }

  /** Saves decoded bytes as a file and returns its id; an undecodable or empty payload gives undefined. */
  saveFile (name: string, base64: string): StoredFile | undefined {
    const clean = base64.replace(/\s+/g, '')
    if (clean === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) return undefined
    const bytes = Buffer.from(clean, 'base64')
    if (bytes.length === 0) return undefined
    const file: StoredFile = {
      id: this.nextId('file'),
      name: name === '' ? `file${this.#lastIds.file}` : name,
      size: bytes.length,
      content: bytes.toString('base64')
    }
    this.files.set(file.id, file)
    return file
  }

  clear (): void {
    for (const map of Object.values(this.entities)) map.clear()
    this.comments.clear()
    this.productRows.clear()
    this.files.clear()
    this.traces.clear()
    this.#lastIds = { contact: 0, company: 0, deal: 0, comment: 0, row: 0, file: 0, trace: 0 }
  }
}
