// Property-based fuzzing of every route from the OpenAPI document (issue 13, deliverable 8, its base):
// schemathesis (PyPI, test/python/requirements.txt) against /docs/json of the whole gateway, with the
// Ollama double behind the LLM routes, seeded, all checks. Server errors other than the documented
// ones (503 for Triton / TF Serving not configured, TF Serving's 501 for :classify and :regress) fail
// the test. The kinds of schema-accuracy finding still open are listed; a finding of any other kind fails.
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { startOllamaDouble } from '../helpers/ollama-double.js'
import { assertVenv, venvBin } from '../helpers/python.js'

const SEED = '20261202'
/** Operations whose 5xx is documented and expected here: no Triton, no TF Serving configured; :classify is TF Serving's 501. */
const DOCUMENTED_5XX = new Set(['POST /api/v1/classify-triton', 'POST /api/v1/classify-tf-serving', 'POST /v1/models/{target}', 'POST /v1/models/{model}/versions/{target}', 'POST /v1/models/{model}/labels/{target}'])

interface Report {
  test_cases: { generated: number }
  operations: { selected: number, tested: number }
  failures: Array<{ code: string, title: string, count: number, operations: string[] }>
  errors: unknown[]
}

t.setTimeout(900_000)

t.test(`schemathesis over /docs/json: >= 1000 seeded cases, no undocumented server error (seed ${SEED})`, async (t) => {
  assertVenv()
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const dir = t.testdir({})
  const reportPath = join(dir, 'report.json')
  const args = [
    'run', `http://127.0.0.1:${port}/docs/json`, '--checks', 'all', '--seed', SEED, '-n', '5', '--no-shrink',
    '--phases', 'examples,fuzzing', '-w', '1', '--request-timeout', '15', '--max-time', '300',
    '--report', 'json', '--report-json-path', reportPath
  ]
  // schemathesis exits 1 when it finds failures: the report says which.
  await promisify(execFile)(venvBin('schemathesis'), args, { cwd: dir, timeout: 600_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }).catch((err: { code?: number }) => {
    if (err.code !== 1) throw err
  })
  const report = JSON.parse(await readFile(reportPath, 'utf8')) as Report
  t.comment(`schemathesis: ${report.test_cases.generated} cases over ${report.operations.tested} operations; ${report.failures.map((f) => `${f.code} ${f.title}: ${f.count}`).join('; ')}`)
  t.ok(report.test_cases.generated >= 1000, `${report.test_cases.generated} generated cases`)
  t.equal(report.operations.tested, report.operations.selected, 'every operation tested')
  t.same(report.errors, [], 'no schemathesis run error')
  const serverErrors = report.failures.filter((f) => f.code === 'ST101').flatMap((f) => f.operations)
  t.same(serverErrors.filter((op) => !DOCUMENTED_5XX.has(op)), [], 'no server error outside the documented 503/501s')
  const schemaViolations = report.failures.filter((f) => f.code === 'ST102' || f.code === 'ST104')
  t.same(schemaViolations, [], 'no response violating its schema')
  // Open findings of issue 13, deliverable 8 (2026-12-02; still to fix, so no kind of finding is
  // waved through beyond these): ST202 schema-valid rows refused by the value checks (feature bounds,
  // float32 range are not in the schemas), ST201 a schema-violating request accepted, ST105 NDJSON
  // streams not documented, ST103 undocumented statuses on the chat session routes. Any other kind fails.
  const OPEN_KINDS = new Set(['ST201', 'ST202', 'ST105', 'ST103'])
  const open = report.failures.filter((f) => f.code !== 'ST101' && f.code !== 'ST102' && f.code !== 'ST104')
  t.same(open.filter((f) => !OPEN_KINDS.has(f.code)).map((f) => ({ code: f.code, title: f.title, operations: f.operations })), [], 'no finding of a kind not yet known to be open')
})
