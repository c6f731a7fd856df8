/**
 * The settings a SIGHUP reload cannot apply: what is built once at start (the store, the body and
 * connection limits, the download pool, the list-field caches). A reload that changes one of them
 * says which, so an operator is not left believing a new value is in force.
 */
import type { RelayConfig } from './schema.ts'

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b)

/** The dotted names of the restart-only settings that differ between two configs, in a stable order. */
export function restartOnlyChanges (previous: RelayConfig, next: RelayConfig): string[] {
  const changed: string[] = []
  if (!same(previous.outbox, next.outbox)) changed.push('outbox')
  if (!same(previous.limits, next.limits)) changed.push('limits')
  if (previous.delivery.fileDownloads !== next.delivery.fileDownloads) changed.push('delivery.fileDownloads')
  if (previous.delivery.fileDownloadQueue !== next.delivery.fileDownloadQueue) changed.push('delivery.fileDownloadQueue')
  for (const [id, portal] of Object.entries(next.portals)) {
    const before = Object.hasOwn(previous.portals, id) ? previous.portals[id] : undefined
    if (before !== undefined && before.listRefreshMs !== portal.listRefreshMs) changed.push(`portals.${id}.listRefreshMs`)
  }
  return changed
}
