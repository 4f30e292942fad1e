// The README's curl examples answer what the README shows (scripts/lib/readme-examples.ts runs them
// against a gateway with the embedded defaults); and the rules that keep the shown answers stable.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { findExamples, render, rewrite, runExamples, sameAnswer, shownAnswers } from '../../scripts/lib/readme-examples.js'

t.test('every README curl example answers as the README shows', async (t) => {
  const lines = (await readFile(join(projectRoot, 'README.md'), 'utf8')).split('\n')
  const examples = findExamples(lines)
  t.ok(examples.length >= 10, `${examples.length} examples found`)
  t.ok(examples.some((e) => e.command.includes('/api/v1/classify-registry?alias=production')), 'the registry example is one of them')
  const answers = await runExamples(examples)
  const shown = shownAnswers(lines, examples)
  examples.forEach((e, k) => {
    t.ok(answers[k].length > 0 && answers[k].every((l) => l.startsWith('#> ')), `line ${e.start + 1} answered`)
    t.ok(sameAnswer(shown[k], answers[k]), `README line ${e.start + 1} (${e.command.split('\n')[0].slice(0, 90)}) shows what the gateway answers; else npm run readme:examples\n  shown:  ${shown[k].join('\n          ')}\n  actual: ${answers[k].join('\n          ')}`)
  })
  t.same(rewrite(lines, examples, shown), lines, 'rewriting with the shown answers changes nothing')
  const registry = answers[examples.findIndex((e) => e.command.includes('classify-registry'))].map((l) => l.slice(3)).join('')
  t.match(registry, /"model_version":"2","model_stage":"None","model_alias":"production","model_uri":"models:\/iris@production"/)
})

t.test('finding, rendering and comparing answers', async (t) => {
  const md = [
    '```bash',
    "curl -s http://127.0.0.1:3000/a -d '{\"x\":",
    "  1}'",
    '#> old',
    '#> answer',
    '',
    'curl -s http://127.0.0.1:3000/b \\',
    '  -H x',
    '```',
    '```js',
    'curl -s http://127.0.0.1:3000/not-bash',
    '```'
  ]
  const examples = findExamples(md)
  t.same(examples, [
    { command: "curl -s http://127.0.0.1:3000/a -d '{\"x\":\n  1}'", start: 1, end: 5 },
    { command: 'curl -s http://127.0.0.1:3000/b \\\n  -H x', start: 6, end: 8 }
  ])
  t.same(shownAnswers(md, examples), [['#> old', '#> answer'], []])
  t.same(rewrite(md, examples, [['#> new'], ['#> b']]).slice(0, 9), ['```bash', md[1], md[2], '#> new', '', md[6], md[7], '#> b', '```'])

  // Volatile values masked (null ones too), floats to 7 digits, this run's port and checkout path replaced.
  t.same(render(JSON.stringify({ p: 0.9999995827674866, n: 3, response_time_ms: 1.23, lastFlushAt: null, created_at: 'x', uri: 'http://127.0.0.1:4567/v2' }), 4567),
    ['#> {"p":0.9999996,"n":3,"response_time_ms":"…","lastFlushAt":"…","created_at":"…","uri":"http://127.0.0.1:3000/v2"}'])
  t.same(render(JSON.stringify({ nested: [{ uptime_seconds: 5, data: [1.5, 2] }] }), 1), ['#> {"nested":[{"uptime_seconds":"…","data":[1.5,2]}]}'])
  t.same(render('text 0.12345678 and 7\n', 1), ['#> text 0.1234568 and 7'])
  const long = render(JSON.stringify(Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`key_${i}`, 'value']))), 1)
  t.equal(long.length, 9, 'cut after 8 lines')
  t.equal(long[8], '#> …')
  t.ok(long.slice(0, 8).every((l) => l.length <= 130 && l.startsWith('#> ')), 'wrapped after a comma before a key')

  t.ok(sameAnswer(['#> {"p":0.9999996}'], ['#> {"p":0.9999995}']), 'floats within 1e-5')
  t.notOk(sameAnswer(['#> {"p":0.99}'], ['#> {"p":0.98}']))
  t.notOk(sameAnswer(['#> {"class":"setosa"}'], ['#> {"class":"virginica"}']))
  t.notOk(sameAnswer(['#> a'], ['#> a', '#> b']))
})
