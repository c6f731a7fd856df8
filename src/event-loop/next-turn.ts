/**
 * Gives the event loop back for one turn. The relay answers visitors and delivers leads on the same
 * event loop: a batch of 50 leads read, encoded and completed in one go holds every visitor whose
 * post arrives meanwhile for milliseconds. Long loops of the delivery path pause here every few
 * items so the intake's answers go out between them.
 */
export async function nextTurn (): Promise<void> {
  await new Promise<void>(resolve => setImmediate(resolve))
}

/** How many items a loop of the delivery path handles between two turns (about 0.1–0.3 ms of work). */
export const ITEMS_PER_TURN = 10

/** Pauses for a turn after every ITEMS_PER_TURN-th item: call it with the index of the item just handled. */
export async function pauseEvery (index: number): Promise<void> {
  if ((index + 1) % ITEMS_PER_TURN === 0) await nextTurn()
}
