/** What a portal lane needs of a rate limiter: the in-process LeakyBucket and the Redis-shared one both fit. */

export interface PortalLimiter {
  /**
   * Waits until n more calls may go to the portal without tipping its request bucket over, then
   * counts them. Rejects with the signal's reason when it aborts; never rejects for anything else
   * (a limiter whose store is away keeps waiting for it).
   */
  take: (n: number, signal?: AbortSignal) => Promise<void>
  /**
   * The portal answered QUERY_LIMIT_EXCEEDED anyway (another app shares its limit): treat the
   * bucket as full from now on. Returns at once; a shared limiter tells the others in the background.
   */
  penalize: () => void
}
