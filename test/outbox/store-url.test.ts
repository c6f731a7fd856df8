import { describe, expect, it } from 'vitest'
import { sqlitePathOf } from '../../src/outbox/store-url.ts'

describe('sqlitePathOf', () => {
  it('reads relative and absolute files, and memory', () => {
    expect(sqlitePathOf('sqlite:./data/relay.db')).toBe('./data/relay.db')
    expect(sqlitePathOf('sqlite:///var/lib/relay/relay.db')).toBe('/var/lib/relay/relay.db')
    expect(sqlitePathOf('sqlite:/var/lib/relay/relay.db')).toBe('/var/lib/relay/relay.db')
    expect(sqlitePathOf('sqlite::memory:')).toBe(':memory:')
    expect(sqlitePathOf('sqlite:')).toBe(':memory:')
  })

  it('is undefined for other stores', () => {
    expect(sqlitePathOf('redis://127.0.0.1:6379/0')).toBeUndefined()
  })
})
