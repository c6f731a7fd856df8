/**
 * GET /embed.js — the attribution and form script that pages include with
 * <script src="https://relay.example/embed.js" defer></script>. Served from memory, gzipped when the
 * client accepts it, revalidated by ETag.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { buildEmbedAsset, type EmbedAsset } from '../../embed/asset.ts'

export interface EmbedRouteDeps {
  /** Tests may pass their own asset; by default the script is read from disk once. */
  asset?: EmbedAsset
}

/** One hour: the URL carries no version, so a new release reaches pages within the hour. */
export const EMBED_CACHE_CONTROL = 'public, max-age=3600'

export async function embedRoutes (app: FastifyInstance, deps: EmbedRouteDeps = {}): Promise<void> {
  const asset = deps.asset ?? buildEmbedAsset()

  app.get('/embed.js', async (request, reply) => {
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', EMBED_CACHE_CONTROL)
      .header('etag', asset.etag)
      .header('vary', 'accept-encoding')
      // Pages on other sites load it: a same-origin resource policy (helmet's default) would block it.
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('x-content-type-options', 'nosniff')
    if (matchesEtag(request.headers['if-none-match'], asset.etag)) return reply.code(304).send()
    if (acceptsGzip(request)) return reply.header('content-encoding', 'gzip').send(asset.gzip)
    return reply.send(asset.body)
  })
}

/** If-None-Match holds a list of tags, possibly weak (W/"…"), or "*". */
function matchesEtag (header: string | undefined, etag: string): boolean {
  if (header === undefined) return false
  return header.split(',').some((tag) => {
    const t = tag.trim()
    return t === '*' || t.replace(/^W\//, '') === etag
  })
}

function acceptsGzip (request: FastifyRequest): boolean {
  const header = request.headers['accept-encoding']
  if (typeof header !== 'string') return false
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';')
    if (coding?.trim() !== 'gzip' && coding?.trim() !== '*') return false
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    return q === undefined || Number(q.slice(2)) > 0
  })
}
