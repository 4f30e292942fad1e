// TF Serving's REST API, call by call as its document describes them, from a plain HTTP client over
// the network (test/python/tfserving_rest_conformance.py): status, metadata, :predict (row and
// columnar), :classify, :regress, /versions and /labels paths, {"error"} bodies and codes.
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../helpers/app.js'
import { directPredict, ROWS } from '../helpers/direct.js'
import { runPythonJson } from '../helpers/python.js'
import { projectRoot } from '../../services/lib/project-root.js'

const CHECKS = [
  'status GET /v1/models/{m}', 'status GET /v1/models/{m}/versions/{v}', 'status GET /v1/models/{m}/labels/{l}', 'status unknown model 404', 'status unknown version 404',
  'metadata GET /v1/models/{m}/metadata', 'metadata GET /v1/models/{m}/versions/{v}/metadata', 'metadata GET /v1/models/{m}/labels/{l}/metadata',
  'predict row format, one output', 'predict row format, several outputs (named inputs)', 'predict columnar format, bare and named',
  'classify POST /v1/models/{m}:classify', 'regress POST /v1/models/{m}:regress',
  'predict both keys 400', 'predict neither key 400', 'predict instances not a list 400', 'predict empty instances 400', 'predict unknown signature 400',
  'predict unknown label 400', 'predict unknown model 404', 'predict unknown version 404', 'classify without examples 400', 'regress on a classifier 400',
  'malformed JSON 400 {error}', 'malformed request 400 {error}'
]

t.test('the TF Serving REST conformance script passes every documented call against the gateway', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-tfs-conformance-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await cp(join(projectRoot, 'models', 'iris'), join(dir, 'iris'), { recursive: true })
  const sk = await runPythonJson<{ rows: number[][], predict: number[] }>(join(projectRoot, 'test', 'python', 'sklearn_regressor.py'), [dir])
  // The whole gateway loads here, on a machine that may be loaded: a generous plugin timeout.
  const app = await buildTestApp(t, { MODELS_DIR: dir, DEFAULT_MODEL: 'iris', CACHE_ENABLED: 'false', PLUGIN_TIMEOUT_MS: '240000' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as { port: number }
  const expected = await directPredict('iris')
  const input = JSON.stringify({ rows: ROWS, probabilities: expected.probabilities, labels: expected.labels, classes: ['setosa', 'versicolor', 'virginica'], regress: { model: 'petal_width', ...sk } })
  const { checks } = await runPythonJson<{ checks: Array<{ name: string, ok: boolean, detail: unknown }> }>(join(projectRoot, 'test', 'python', 'tfserving_rest_conformance.py'), [`http://127.0.0.1:${port}`], { input })
  t.same(checks.map((c) => c.name), CHECKS, 'every call of the REST API document is checked')
  for (const c of checks) t.ok(c.ok, `${c.name}: ${JSON.stringify(c.detail)}`)
  t.same(checks.find((c) => c.name.startsWith('metadata GET /v1/models/{m}/metadata'))?.detail, ['classification', 'predict_all', 'serving_default'])
})
