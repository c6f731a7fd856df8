/** Polls a condition until it holds or the time runs out (bounded in count and time). */
export async function waitFor<T> (
  fn: () => T | Promise<T>,
  opts: { timeoutMs?: number, intervalMs?: number, what?: string } = {}
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000)
  const interval = opts.intervalMs ?? 20
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await fn()
    if (last !== undefined && last !== null && last !== false) return last as NonNullable<T>
    await new Promise(resolve => setTimeout(resolve, interval))
  }
  throw new Error(`timed out waiting for ${opts.what ?? 'a condition'} (last value: ${JSON.stringify(last)?.slice(0, 200)})`)
}
