// Lint: neostandard (the code's own style: no semicolons, single quotes, two spaces) plus the
// type-aware rule that catches a promise nobody awaits or handles.
import globals from 'globals'
import neostandard, { plugins } from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'test-artifacts/**', 'node_modules/**', 'data/**'] }),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname }
    },
    plugins: { '@typescript-eslint': plugins['typescript-eslint'].plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }]
    }
  },
  {
    // Lines under 140 characters; a URL or a regular expression literal may run longer.
    rules: { '@stylistic/max-len': ['error', { code: 139, ignoreUrls: true, ignoreRegExpLiterals: true }] }
  },
  {
    // The embed script runs in visitors' browsers as a classic script: browser globals, var on purpose
    // (one function scope, no transpiling), and no module syntax.
    files: ['src/embed/embed.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
    rules: { 'no-var': 'off' }
  }
]
