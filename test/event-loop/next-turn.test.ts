/** The pause of the delivery path's long loops: one event-loop turn after every tenth item, none between. */
import { describe, expect, it } from 'vitest'
import { ITEMS_PER_TURN, nextTurn, pauseEvery } from '../../src/event-loop/next-turn.ts'

describe('nextTurn', () => {
  it('lets an immediate scheduled before it run first', async () => {
    const order: string[] = []
    setImmediate(() => order.push('other work'))
    await nextTurn()
    order.push('after the turn')
    expect(order).toEqual(['other work', 'after the turn'])
  })
})

describe('pauseEvery', () => {
  it('pauses after every ITEMS_PER_TURN-th item only', async () => {
    const paused: number[] = []
    for (let i = 0; i < 3 * ITEMS_PER_TURN; i++) {
      let ran = false
      setImmediate(() => { ran = true })
      await pauseEvery(i)
      if (ran) paused.push(i)
      await nextTurn() // the immediate above has run either way before the next item
    }
    expect(paused).toEqual([ITEMS_PER_TURN - 1, 2 * ITEMS_PER_TURN - 1, 3 * ITEMS_PER_TURN - 1])
  })
})
