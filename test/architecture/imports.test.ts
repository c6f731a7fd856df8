/**
 * The import graph of src/ keeps the shape DESIGN.md describes: no cycles; the outbox knows nothing
 * of delivery, HTTP or security; the domain types stand alone; buildApp builds on ports and is
 * handed its adapters (SQLite, BullMQ) by the composition root, never imports them.
 */
import madge from 'madge'
import { beforeAll, describe, expect, it } from 'vitest'

type Graph = Record<string, string[]>

/** Each import of a module under `from` (a folder of src/) whose target matches `forbidden`, as "a.ts -> b.ts". */
function importsInto (graph: Graph, from: string, forbidden: (target: string) => boolean): string[] {
  return Object.entries(graph)
    .filter(([file]) => file.startsWith(from))
    .flatMap(([file, deps]) => deps.filter(forbidden).map(dep => `${file} -> ${dep}`))
}

const base = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

describe('the import graph of src/', () => {
  let graph: Graph
  let circular: string[][]
  let skipped: string[]

  beforeAll(async () => {
    const result = await madge('src', { baseDir: 'src', fileExtensions: ['ts'], tsConfig: 'tsconfig.json' })
    graph = result.obj()
    circular = result.circular()
    skipped = result.warnings().skipped
  }, 60_000)

  it('is read whole: every relative import resolves, and the outbox, the domain and the app are in it', () => {
    expect(skipped).toEqual([])
    expect(Object.keys(graph)).toEqual(expect.arrayContaining(['app.ts', 'outbox/open.ts', 'domain/lead-fields.ts']))
  })

  it('has no import cycle', () => {
    expect(circular).toEqual([])
  })

  it('outbox/ imports nothing from delivery/, http/ or security/', () => {
    expect(importsInto(graph, 'outbox/', dep => /^(delivery|http|security)\//.test(dep))).toEqual([])
  })

  it('domain/ imports nothing outside domain/', () => {
    expect(importsInto(graph, 'domain/', dep => !dep.startsWith('domain/'))).toEqual([])
  })

  it('app.ts imports no SQLite or BullMQ adapter', () => {
    expect(importsInto(graph, 'app.ts', dep => /sqlite|bullmq/i.test(base(dep)))).toEqual([])
  })
})
