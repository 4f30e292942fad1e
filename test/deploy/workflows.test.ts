// The GitHub workflows in .github/workflows/ cannot run here, so they are linted with actionlint
// (built from its Go module into .cache/bin by scripts/setup-test-env.sh), which also runs shellcheck
// (Debian's, installed by the same set-up) on every run: block. Zero findings, and a broken workflow
// must be flagged on each of those checks, so a silent linter cannot pass the first test.
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { parse } from 'yaml'
import { projectRoot } from '../../services/lib/project-root.js'

const ACTIONLINT = join(projectRoot, '.cache', 'bin', 'actionlint')
const WORKFLOWS = join(projectRoot, '.github', 'workflows')

interface Finding { message: string, filepath: string, line: number, kind: string }

async function shellcheckPath (): Promise<string> {
  const { stdout } = await promisify(execFile)('sh', ['-c', 'command -v shellcheck']).catch(() => ({ stdout: '' }))
  if (stdout.trim() === '') throw new Error('shellcheck is not on PATH: run "bash scripts/setup-test-env.sh" (npm test\'s pretest runs it)')
  return stdout.trim()
}

/** actionlint's findings as JSON; `stdin` lints that text instead of the repository's workflows. */
async function actionlint (stdin?: string): Promise<{ code: number, findings: Finding[] }> {
  if (!existsSync(ACTIONLINT)) throw new Error(`${ACTIONLINT} is missing: run "bash scripts/setup-test-env.sh" (npm test's pretest runs it)`)
  const args = ['-shellcheck', await shellcheckPath(), '-format', '{{json .}}', ...(stdin === undefined ? [] : ['-'])]
  try {
    const run = promisify(execFile)(ACTIONLINT, args, { cwd: projectRoot })
    if (stdin !== undefined) run.child.stdin?.end(stdin)
    const { stdout } = await run
    return { code: 0, findings: JSON.parse(stdout.trim() === '' ? '[]' : stdout) as Finding[] }
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    if (e.code !== 1 || e.stdout === undefined) throw new Error(`actionlint failed (${String(e.code)}): ${e.stderr ?? String(err)}`)
    return { code: 1, findings: JSON.parse(e.stdout) as Finding[] }
  }
}

t.test('actionlint (with shellcheck) finds nothing in .github/workflows', async (t) => {
  const files = (await readdir(WORKFLOWS)).sort()
  t.same(files, ['bench.yml', 'retrain.yml', 'test.yml'])
  const { code, findings } = await actionlint()
  t.same(findings.map((f) => `${f.filepath}:${f.line} [${f.kind}] ${f.message}`), [], 'zero findings')
  t.equal(code, 0)
})

t.test('a broken workflow IS flagged: bad cron, undefined matrix key, unquoted shell variable, unknown action input', async (t) => {
  const broken = [
    'on:',
    '  schedule:',
    '    - cron: "0 25 * * *"',
    'jobs:',
    '  t:',
    '    runs-on: ubuntu-24.04',
    '    strategy:',
    '      matrix:',
    '        node: [20, 22]',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '        with:',
    '          fetch-dept: 1',
    // eslint-disable-next-line no-template-curly-in-string -- a GitHub expression, not a JS template
    '      - run: echo ${{ matrix.nod }}',
    '      - run: cd $DIR && ls',
    ''
  ].join('\n')
  const { code, findings } = await actionlint(broken)
  t.equal(code, 1, 'exit code 1')
  t.same(findings.map((f) => f.kind).sort(), ['action', 'events', 'expression', 'shellcheck'])
  t.match(findings.find((f) => f.kind === 'events')?.message, /invalid CRON format "0 25 \* \* \*"/)
  t.match(findings.find((f) => f.kind === 'expression')?.message, /property "nod" is not defined/)
  t.match(findings.find((f) => f.kind === 'shellcheck')?.message, /SC2086/, 'shellcheck ran on the run: block')
  t.match(findings.find((f) => f.kind === 'action')?.message, /input "fetch-dept" is not defined/)
})

t.test('the workflows do what the docs say: Node 20 and 22, .ci/run, the nightly bench artifact, the seed\'s weekly retrain', async (t) => {
  const load = async (file: string) => parse(await readFile(join(WORKFLOWS, file), 'utf8'))
  const test = await load('test.yml')
  t.same(Object.keys(test.on).sort(), ['pull_request', 'push', 'workflow_dispatch'])
  t.same(test.jobs.test.strategy.matrix.node, [20, 22])
  // eslint-disable-next-line no-template-curly-in-string -- a GitHub expression, not a JS template
  t.equal(test.jobs.test.container, 'node:${{ matrix.node }}-bookworm')
  const testRuns = test.jobs.test.steps.map((s: { run?: string }) => s.run).filter(Boolean).join('\n')
  t.match(testRuns, /bash \.ci\/run/)
  t.match(await readFile(join(projectRoot, '.ci', 'run'), 'utf8'), /npm ci[^]*npm test/)
  const cached = test.jobs.test.steps.filter((s: { uses?: string }) => s.uses?.startsWith('actions/cache@')).map((s: { with: { path: string } }) => s.with.path.trim())
  t.same(cached, ['~/.npm', '~/go/pkg/mod\n~/.cache/go-build', '.cache', '.venv'], 'npm, the Go caches, the Ollama build (.cache) and the venv are cached')

  const bench = await load('bench.yml')
  t.same(bench.on.schedule, [{ cron: '17 3 * * *' }])
  const upload = bench.jobs.bench.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/upload-artifact@'))
  t.match(upload, { if: 'always()', with: { path: 'bench/results/' } })
  t.match(bench.jobs.bench.steps.map((s: { run?: string }) => s.run ?? '').join('\n'), /npm run bench -- /)

  const retrain = await load('retrain.yml')
  t.same(retrain.on.schedule, [{ cron: '0 2 * * 0' }], 'the seed\'s crontab line: Sundays at 02:00')
  t.match(retrain.jobs.retrain.steps.map((s: { run?: string }) => s.run ?? '').join('\n'), /npm run --silent retrain/)
  const pkg = JSON.parse(await readFile(join(projectRoot, 'package.json'), 'utf8'))
  t.equal(pkg.scripts.retrain, 'tsx scripts/retrain.ts')
  t.match(await readFile(join(projectRoot, 'scripts', 'retrain.ts'), 'utf8'), /process\.exitCode = decision\.decision === 'promoted' \? 0 : 2/, 'exit 2 is the gate keeping the current version, as the workflow reads it')
})
