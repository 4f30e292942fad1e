// The coverage floor of `npm test`: tap records coverage of every module the tests load and writes
// its summary; this fails the run when covered lines fall below the floor, naming the least covered
// files. (tap itself only knows "100 % or allowed to be incomplete".)
import { readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { projectRoot } from '../services/lib/project-root.js'

const FLOOR = Number(process.env.COVERAGE_FLOOR ?? 85)

interface Totals { lines: { total: number, covered: number, pct: number } }

const summaryPath = join(projectRoot, '.tap', 'report', 'coverage-summary.json')
let summary: Record<string, Totals>
try {
  summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as Record<string, Totals>
} catch (err) {
  console.error(`coverage: no summary at ${summaryPath} (${(err as Error).message}); run the tests with coverage first`)
  process.exit(1)
}

const { total, ...files } = summary
const worst = Object.entries(files)
  .filter(([, t]) => t.lines.total > 0)
  .sort(([, a], [, b]) => a.lines.pct - b.lines.pct)
  .slice(0, 8)
  .map(([file, t]) => `  ${t.lines.pct.toFixed(1).padStart(5)} %  ${relative(projectRoot, file)}`)
const line = `coverage: ${total.lines.pct.toFixed(2)} % of lines (${total.lines.covered}/${total.lines.total}), floor ${FLOOR} %`
if (total.lines.pct < FLOOR) {
  console.error(`${line}: below the floor. Least covered:\n${worst.join('\n')}`)
  process.exit(1)
}
console.log(`${line}. Least covered:\n${worst.join('\n')}`)
