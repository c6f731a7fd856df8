/**
 * The embed script as the relay serves it: read once from src/embed/embed.js, with its gzip form and
 * its ETag. The file is plain browser JavaScript, not compiled by tsc, so it is looked for beside this
 * module (src/embed/, or dist/src/embed/ when the build copied it) and else in the package's src/embed/.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { EmbedAssetError } from '../errors.ts'

export interface EmbedAsset {
  /** The script as UTF-8 bytes. */
  body: Buffer
  /** The same bytes gzipped once, for clients that accept gzip. */
  gzip: Buffer
  /** A strong validator derived from the content. */
  etag: string
}

const CANDIDATES = ['./embed.js', '../../../src/embed/embed.js']

/** The candidate paths, in the order they are tried. */
export function embedScriptPaths (): string[] {
  return CANDIDATES.map((relative) => fileURLToPath(new URL(relative, import.meta.url)))
}

export function readEmbedScript (): string {
  for (const path of embedScriptPaths()) {
    try {
      return readFileSync(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    }
  }
  throw new EmbedAssetError(embedScriptPaths().join(', '))
}

export function buildEmbedAsset (source: string = readEmbedScript()): EmbedAsset {
  const body = Buffer.from(source, 'utf8')
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`
  }
}
