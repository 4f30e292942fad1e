// The gateway as MLflow's users drive it, against a real `mlflow server` and the official Python
// client (test/python/mlflow_interop.py): a scikit-learn model converted with skl2onnx's defaults
// (ZipMap) and logged with mlflow.onnx.log_model without metadata is served with its own labels;
// its alias is set, moved, deleted and the model re-created by the client, and the gateway follows
// each step within one poll interval with 0 failed requests during the moves. The rest of what the
// gateway follows (names, re-created bytes, refusals, reload) is in registry-mlflow-follow.test.ts.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../../../app.js'
import { SETOSA, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { startMlflow } from '../../../helpers/mlflow.js'
import { mlflowPythonClient } from '../../../helpers/mlflow-python.js'
import { registryLoad } from '../../../helpers/registry-load.js'

// A real MLflow server and the Python client (mlflow, scikit-learn, skl2onnx imports) take minutes to
// start on a loaded machine: more than tap's default 300 s for the whole file.
t.setTimeout(10 * 60_000)

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const SAMPLES = [SETOSA, VERSICOLOR, VIRGINICA]
const ROWS = JSON.stringify(SAMPLES.map((s) => [s.sepal_length, s.sepal_width, s.petal_length, s.petal_width]))
const POLL_MS = 1000
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Logged { version: string, probabilities: number[][], classes: string[] }

const server = await startMlflow(t)
const client = mlflowPythonClient(t, server.url, ['--rows', ROWS])
const py = <T = Logged>(args: string[]) => client<T>(args)
const cacheDir = await mkdtemp(join(tmpdir(), 'gw-mlf-cache-'))
const dataDir = await mkdtemp(join(tmpdir(), 'gw-data-'))
t.teardown(() => Promise.all([rm(cacheDir, { recursive: true, force: true }), rm(dataDir, { recursive: true, force: true })]))
const env = {
  GRPC_PORT: '0',
  DATA_DIR: dataDir,
  ADMIN_TOKEN: TOKEN,
  MLFLOW_TRACKING_URI: server.url,
  MLFLOW_CACHE_DIR: cacheDir,
  MLFLOW_TIMEOUT_MS: '3000',
  REGISTRY_POLL_SECONDS: String(POLL_MS / 1000),
  REGISTRY_RETIRE_GRACE_MS: '200'
}
// The gateway's own log records, to check what the poller says (and how often).
const logs: Array<{ level: number, msg: string, model?: string, alias?: string }> = []
const app = await buildApp({ env: { ...env, LOG_LEVEL: 'info' }, logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
t.teardown(() => app.close())
await app.ready()

const classify = (name: string, query: string, body: object = SETOSA) =>
  app.inject({ method: 'POST', url: `/api/v1/classify-registry?model_name=${encodeURIComponent(name)}&${query}`, payload: body })

/** Classifies the three samples and compares with scikit-learn's predict_proba and classes. */
async function sameAsSklearn (t: Test, name: string, query: string, want: Logged, version: string) {
  for (const [i, sample] of SAMPLES.entries()) {
    const res = await classify(name, query, sample)
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    const diff = Math.max(...body.probabilities.map((p: number, k: number) => Math.abs(p - want.probabilities[i][k])))
    t.ok(diff <= 1e-6, `sample ${i}: max |gateway - sklearn| = ${diff}`)
    const best = want.probabilities[i].indexOf(Math.max(...want.probabilities[i]))
    t.equal(body.predicted_class, want.classes[best], 'the class label from the ONNX graph')
    t.equal(body.model_registry_info.model_version, version)
  }
}

/**
 * Watches the gateway (every 25 ms) while `change` runs in the Python client, and answers how long
 * after MLflow made the change (the client's `at`, Unix seconds) `check` first held. Watching starts
 * before the client call, so the time the client takes to answer is not counted.
 */
async function followed (check: () => Promise<boolean>, change: () => Promise<{ at: number }>): Promise<number> {
  const seen = (async () => {
    const started = Date.now()
    while (!(await check())) {
      if (Date.now() - started > 60_000) throw new Error('the gateway did not follow within 60 s')
      await sleep(25)
    }
    return Date.now()
  })()
  seen.catch(() => {}) // awaited below; a failed change must not leave it unhandled
  const { at } = await change()
  return (await seen) - at * 1000
}
interface Change { at: number }

t.test('the official client logs, aliases, moves, deletes and re-creates; the gateway follows each step within one poll interval', async (t) => {
  const name = 'iris interop'
  // 1. skl2onnx defaults (ZipMap), mlflow.onnx.log_model, registered, alias set: served by alias with the graph's labels.
  const v1 = await py(['log', '--name', name, '--algo', 'logreg', '--seed', '0', '--alias', 'champion'])
  t.equal(v1.version, '1')
  await sameAsSklearn(t, name, 'alias=champion', v1, '1')

  // 2. A second version; the client moves the alias there and back while requests keep coming.
  const v2 = await py(['log', '--name', name, '--algo', 'forest', '--seed', '1'])
  t.equal(v2.version, '2')
  const seenVersion = async (v: string) => (await classify(name, 'alias=champion')).json().model_registry_info?.model_version === v
  let phase = 0
  const load = registryLoad(app, { url: `/api/v1/classify-registry?model_name=${encodeURIComponent(name)}&alias=champion`, min: 1500, workers: 3, pauseEvery: 5, until: () => phase === 2, max: 1_000_000 })
  const mover = (async () => {
    const waits: number[] = []
    for (const target of ['2', '1']) {
      waits.push(await followed(() => seenVersion(target), () => py<Change>(['set-alias', '--name', name, '--alias', 'champion', '--version', target])))
    }
    phase = 2
    return waits
  })()
  const [, waits] = await Promise.all([load.run(), mover])
  t.equal(load.failures(), 0, `0 of ${load.sent()} requests failed during the moves`)
  t.ok((load.seen.get('1') ?? 0) > 0 && (load.seen.get('2') ?? 0) > 0, `both versions answered: ${JSON.stringify(Object.fromEntries(load.seen))}`)
  // One poll interval, plus the download and session creation of the new version on a busy machine.
  for (const w of waits) t.ok(w <= POLL_MS + 1500, `move followed ${w} ms after MLflow made it (poll interval ${POLL_MS} ms)`)
  await sameAsSklearn(t, name, 'alias=champion', v1, '1')

  // 3. The client deletes the alias: 404 like MLflow within one poll interval, one log record, no error per poll.
  const before = logs.length
  const gone = await followed(async () => (await classify(name, 'alias=champion')).statusCode === 404, () => py<Change>(['delete-alias', '--name', name, '--alias', 'champion']))
  t.ok(gone <= POLL_MS + 1000, `deletion followed ${gone} ms after MLflow made it`)
  const res = await classify(name, 'alias=champion')
  t.same(res.json(), { statusCode: 404, code: 'GW_REGISTRY_ALIAS_NOT_FOUND', error: 'Not Found', message: `Registered model '${name}' has no alias 'champion'` })
  await sleep(POLL_MS * 3)
  const since = logs.slice(before)
  t.equal(since.filter((l) => l.msg === 'alias deleted in the registry: no longer served').length, 1, 'said once')
  t.same(since.filter((l) => l.level >= 50), [], 'no error logged by the polls that follow')
  const served = (await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).json().served
  t.notOk(served.some((s: { model: string }) => s.model === name), 'no longer listed as served')

  // 4. The client deletes the model and logs a different one under the same name: version 1 again, new answers.
  await py(['set-alias', '--name', name, '--alias', 'champion', '--version', '1'])
  t.equal((await classify(name, 'alias=champion')).json().model_registry_info.model_version, '1')
  t.equal((await classify(name, 'version=1')).statusCode, 200, 'version 1 also loaded by number')
  const modelGone = await followed(async () => (await classify(name, 'alias=champion')).json().code === 'GW_REGISTRY_MODEL_NOT_FOUND', () => py<Change>(['delete-model', '--name', name]))
  t.ok(modelGone <= POLL_MS + 1000, `model deletion followed ${modelGone} ms after MLflow made it`)
  const again = await py(['log', '--name', name, '--algo', 'logreg', '--seed', '1', '--alias', 'champion'])
  t.equal(again.version, '1', 'the same name and version number')
  t.notSame(again.probabilities, v1.probabilities, 'another model')
  await sameAsSklearn(t, name, 'alias=champion', again, '1')
  await sameAsSklearn(t, name, 'version=1', again, '1')
})
