// Runs every curl example of README.md against a gateway started with the embedded defaults and
// rewrites the answers shown under them (the `#> ` lines):
//   npm run readme:examples              rewrite README.md
//   npm run readme:examples -- --check   exit 1 naming the examples whose shown answer drifted
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { projectRoot } from '../services/lib/project-root.js'
import { findExamples, rewrite, runExamples, sameAnswer, shownAnswers } from './lib/readme-examples.js'

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } }, strict: true })
const file = join(projectRoot, 'README.md')
const lines = (await readFile(file, 'utf8')).split('\n')
const examples = findExamples(lines)
const answers = await runExamples(examples)

if (values.check) {
  const shown = shownAnswers(lines, examples)
  const drifted = examples.filter((_, k) => !sameAnswer(shown[k], answers[k]))
  for (const e of drifted) console.error(`drifted (README line ${e.start + 1}): ${e.command.split('\n')[0]}`)
  if (drifted.length > 0) { console.error('run npm run readme:examples'); process.exit(1) }
  console.log(`${examples.length} README examples answer as shown`)
} else {
  await writeFile(file, rewrite(lines, examples, answers).join('\n'))
  console.log(`ran ${examples.length} README examples; answers rewritten in ${file}`)
}
