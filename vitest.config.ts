import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time on the 2-core machines the suite runs on (vitest's default is one less than
    // the cores): every wait in the tests is for an event, so a busy core slows a test, never fails it.
    maxWorkers: 2,
    reporters: ['default']
  }
})
