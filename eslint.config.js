// Lint: neostandard, the style of the Fastify organisation's own repositories, with TypeScript.
// https://github.com/neostandard/neostandard
import neostandard from 'neostandard'

export default neostandard({
  ts: true,
  ignores: ['dist/**', 'coverage/**', '.tap/**', '.venv/**', '.cache/**', 'bench/_tmp/**', 'web/vendor/**', 'node_modules/**']
})
