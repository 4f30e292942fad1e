// Lint: neostandard, the style of the Fastify organisation's own repositories, with TypeScript.
// https://github.com/neostandard/neostandard
import neostandard from 'neostandard'
import globals from 'globals'

export default [
  ...neostandard({
    ts: true,
    ignores: ['dist/**', 'coverage/**', '.tap/**', '.venv/**', '.venv-*/**', '.cache/**', 'bench/_tmp/**', 'bench/results/**', 'node_modules/**']
  }),
  // The dashboard runs in the browser.
  { files: ['web/**/*.js'], languageOptions: { globals: globals.browser } },
  {
    rules: {
      // `void promise` marks a promise deliberately not awaited (a background task with its own catch).
      'no-void': ['error', { allowAsStatement: true }]
    }
  }
]
