// The MLflow registry backend against a real `mlflow server` (SQLite store, served artifacts):
// registration from a run in MLflow's model layout, concurrent registrations and alias moves,
// error-code mapping, the sha256-checked artifact cache keyed by the version's identity (a re-created
// version is downloaded again), versions registered by the Python client (skl2onnx's default ZipMap
// export, class labels from the graph or the signature), and MLflow down or silent.
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import t from 'tap'
import YAML from 'yaml'
import { freePort } from '../../../bench/lib.js'
import { createMlflowRegistry } from '../../../services/registry/mlflow.js'
import { startMlflow } from '../../helpers/mlflow.js'
import { runPythonJson } from '../../helpers/python.js'

const models = new URL('../../../models/', import.meta.url).pathname
const forest = await readFile(join(models, 'iris/1/model.onnx'))
const forestMeta = JSON.parse(await readFile(join(models, 'iris/1/metadata.json'), 'utf8'))
const mlp = await readFile(join(models, 'iris_mlp/1/model.onnx'))
const mlpMeta = JSON.parse(await readFile(join(models, 'iris_mlp/1/metadata.json'), 'utf8'))
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]

const server = await startMlflow(t)

async function registry (opts: { trackingUri?: string, timeoutMs?: number } = {}) {
  const cacheDir = await mkdtemp(join(tmpdir(), 'gw-mlf-cache-'))
  t.teardown(() => rm(cacheDir, { recursive: true, force: true }))
  const warnings: object[] = []
  const reg = createMlflowRegistry({
    trackingUri: opts.trackingUri ?? server.url, timeoutMs: opts.timeoutMs ?? 10_000, cacheDir, experiment: 'gateway-tests', log: { warn: (o) => warnings.push(o) }
  })
  t.teardown(() => reg.close())
  return { reg, cacheDir, warnings }
}

/** Files MLflow stored for a version registered by the gateway (under --artifacts-destination). */
async function storedModelDir (source: string) {
  const m = /^mlflow-artifacts:\/(.+)$/.exec(source)
  if (m === null) throw new Error(`unexpected source ${source}`)
  return join(server.artifacts, m[1])
}

t.test('a version registered through the gateway: a run, MLflow model layout, sha256 tag, metrics and params', async (t) => {
  const { reg } = await registry()
  const v = await reg.createVersion('iris_gw', { onnx: forest, metadata: forestMeta, metrics: { accuracy: 0.9333 }, params: { n_estimators: 50, max_features: 'sqrt' }, tags: { team: 'ml' } })
  t.match(v, { name: 'iris_gw', version: '1', stage: 'None', sha256: sha(forest), metrics: { accuracy: 0.9333 }, params: { n_estimators: 50, max_features: 'sqrt' }, tags: { team: 'ml' }, aliases: [] })
  t.match(v.source, /^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts\/model$/)

  // What MLflow holds, read through its own REST API.
  const mv = await (await fetch(`${server.url}/api/2.0/mlflow/model-versions/get?name=iris_gw&version=1`)).json() as any
  t.same(mv.model_version.tags, [{ key: 'sha256', value: sha(forest) }, { key: 'team', value: 'ml' }])
  const run = await (await fetch(`${server.url}/api/2.0/mlflow/runs/get?run_id=${mv.model_version.run_id}`)).json() as any
  t.equal(run.run.info.status, 'FINISHED')
  t.same(run.run.data.metrics.map((m: { key: string, value: number }) => [m.key, m.value]), [['accuracy', 0.9333]])
  t.same(Object.fromEntries(run.run.data.params.map((p: { key: string, value: string }) => [p.key, p.value])), { max_features: 'sqrt', n_estimators: '50' }, 'params logged as strings, JSON for non-strings')

  const dir = await storedModelDir(v.source)
  t.same((await readdir(dir)).sort(), ['MLmodel', 'metadata.json', 'model.onnx'])
  t.equal(sha(await readFile(join(dir, 'model.onnx'))), sha(forest))
  const mlmodel = YAML.parse(await readFile(join(dir, 'MLmodel'), 'utf8'))
  t.match(mlmodel, { artifact_path: 'model', run_id: mv.model_version.run_id, flavors: { onnx: { data: 'model.onnx' }, python_function: { loader_module: 'mlflow.onnx', data: 'model.onnx' } } })
  t.same(JSON.parse(mlmodel.signature.inputs), [{ name: 'float_input', type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] } }])
  t.same(JSON.parse(mlmodel.signature.outputs).map((o: { name: string }) => o.name), ['label', 'probabilities'])

  const listed = (await reg.listModels()).find((m) => m.name === 'iris_gw')
  t.same(listed, { name: 'iris_gw', latest_version: '1', aliases: {}, versions: 1 })
  t.match(await reg.describe(), { tracking_uri: server.url })
})

t.test('Python loads the gateway-registered version with mlflow.onnx and mlflow.pyfunc: same probabilities as onnxruntime-node', async (t) => {
  const { reg } = await registry()
  const v = await reg.createVersion('iris_to_python', { onnx: mlp, metadata: mlpMeta })
  await reg.setAlias('iris_to_python', 'production', v.version)
  const py = await runPythonJson<{ outputs: string[], probabilities: number[][], pyfunc_probabilities: number[][], metadata: Record<string, unknown> }>(
    'test/python/mlflow_client.py', ['load', '--tracking', server.url, '--name', 'iris_to_python', '--alias', 'production', '--rows', JSON.stringify(ROWS)])
  const session = await ort.InferenceSession.create(mlp)
  t.teardown(() => session.release())
  const out = await session.run({ [mlpMeta.input_name]: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [3, 4]) })
  const node = Array.from(out[mlpMeta.output_names.probabilities].data as Float32Array)
  const maxDiff = Math.max(...py.probabilities.flat().map((p, i) => Math.abs(p - node[i])))
  t.ok(maxDiff <= 1e-6, `max |python - node| = ${maxDiff}`)
  t.same(py.pyfunc_probabilities, py.probabilities, 'pyfunc answers the same')
  t.same(py.metadata.classes, ['setosa', 'versicolor', 'virginica'])
})

t.test('concurrent registrations get distinct versions; concurrent alias moves serialize with a gap-free history', async (t) => {
  const { reg } = await registry()
  const created = await Promise.all(Array.from({ length: 6 }, (_, i) => reg.createVersion('iris_conc', { onnx: i % 2 === 0 ? forest : mlp, metadata: i % 2 === 0 ? forestMeta : mlpMeta, metrics: { i } })))
  t.same(created.map((v) => Number(v.version)).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6])
  for (const v of created) t.equal((await reg.getVersion('iris_conc', v.version)).metrics.i, created.indexOf(v))

  const targets = Array.from({ length: 16 }, (_, i) => String((i % 3) + 1))
  const previous = await Promise.all(targets.map((v) => reg.setAlias('iris_conc', 'production', v)))
  t.equal(previous[0], null, 'the first move creates the alias')
  t.same(previous.slice(1), targets.slice(0, -1), "each move's previous is the target of the move before it")
  t.equal(await reg.getAlias('iris_conc', 'production'), targets.at(-1))
  const history = await reg.aliasHistory('iris_conc')
  t.equal(history.length, 16)
  for (let i = 1; i < history.length; i++) t.equal(history[i].from, history[i - 1].to)
  const versions = await reg.listVersions('iris_conc')
  t.same(versions.map((v) => v.version), ['1', '2', '3', '4', '5', '6'])
  t.same(versions.find((v) => v.version === targets.at(-1))?.aliases, ['production'])
  t.equal(await reg.deleteAlias('iris_conc', 'production'), targets.at(-1))
  await t.rejects(reg.getAlias('iris_conc', 'production'), { code: 'GW_REGISTRY_ALIAS_NOT_FOUND', statusCode: 404 })
  t.match((await reg.aliasHistory('iris_conc')).at(-1), { alias: 'production', from: targets.at(-1), to: null })
})

t.test("MLflow's error codes mapped: unknown model/version 404, missing alias 400 -> 404, refused values 400", async (t) => {
  const { reg } = await registry()
  await t.rejects(reg.listVersions('nope'), { code: 'GW_REGISTRY_MODEL_NOT_FOUND', statusCode: 404, message: "Registered model 'nope' not found" })
  await t.rejects(reg.getAlias('nope', 'production'), { code: 'GW_REGISTRY_MODEL_NOT_FOUND' })
  await reg.createVersion('iris_err', { onnx: forest, metadata: forestMeta })
  await t.rejects(reg.getVersion('iris_err', '9'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND', statusCode: 404 })
  await t.rejects(reg.getVersion('iris_err', 'x'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
  await t.rejects(reg.fetchArtifact('iris_err', '9'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
  await t.rejects(reg.setAlias('iris_err', 'production', '9'), { code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
  await t.rejects(reg.getAlias('iris_err', 'staging'), { code: 'GW_REGISTRY_ALIAS_NOT_FOUND', statusCode: 404, message: "Registered model 'iris_err' has no alias 'staging'" })
  await t.rejects(reg.deleteAlias('iris_err', 'staging'), { code: 'GW_REGISTRY_ALIAS_NOT_FOUND' })
  // MLflow reserves `latest` and v<N> as alias names.
  await t.rejects(reg.setAlias('iris_err', 'latest', '1'), { code: 'GW_BAD_REQUEST', statusCode: 400, message: /MLflow refused the request: INVALID_PARAMETER_VALUE: .*latest/ })
  await t.rejects(reg.setStage('iris_err', '1', 'Live'), { code: 'GW_BAD_REQUEST', statusCode: 400 })
  t.equal((await reg.setStage('iris_err', '1', 'Production')).stage, 'Production')
  t.equal((await reg.getVersion('iris_err', '1')).stage, 'Production')
  await t.rejects(reg.createVersion('it\'s "quoted"', { onnx: forest, metadata: {} }), { code: 'GW_BAD_REQUEST' })
  // A name with one kind of quote is searched for in the other.
  for (const odd of ["it's", 'say "hi"']) {
    t.equal((await reg.createVersion(odd, { onnx: forest, metadata: forestMeta })).version, '1')
    t.same((await reg.listVersions(odd)).map((v) => [v.name, v.version]), [[odd, '1']])
  }
})

t.test('artifacts: cached after the first download, sha256 checked on every fetch, tampering refused', async (t) => {
  const { reg, cacheDir, warnings } = await registry()
  const v = await reg.createVersion('iris_sha', { onnx: forest, metadata: forestMeta })
  const dir = await reg.fetchArtifact('iris_sha', v.version)
  t.match(dir, new RegExp(`^${cacheDir}/iris_sha/1-[0-9a-f]{16}$`), 'one entry per name, version and identity')
  t.equal(sha(await readFile(join(dir, 'artifact', 'model.onnx'))), sha(forest), 'the file as MLflow stores it')
  t.equal(sha(await readFile(join(dir, 'model.onnx'))), sha(forest))
  t.equal(JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')).sha256, sha(forest))
  t.same(await Promise.all([reg.fetchArtifact('iris_sha', '1'), reg.fetchArtifact('iris_sha', '1')]), [dir, dir])
  t.same(warnings, [], 'a good cached copy is reused silently')

  // A damaged cached copy is noticed and downloaded again.
  await writeFile(join(dir, 'model.onnx'), 'damaged')
  t.equal(await reg.fetchArtifact('iris_sha', '1'), dir)
  t.equal(sha(await readFile(join(dir, 'model.onnx'))), sha(forest))
  t.match(warnings, [{ actual: sha(new TextEncoder().encode('damaged')), expected: sha(forest) }])

  // The artifact in MLflow changed after registration: refused, and nothing is cached.
  const stored = join(await storedModelDir(v.source), 'model.onnx')
  await writeFile(stored, mlp)
  const fresh = await registry()
  await t.rejects(fresh.reg.fetchArtifact('iris_sha', '1'), { code: 'GW_REGISTRY_INTEGRITY', statusCode: 502, message: `Model 'iris_sha' version '1' refused: artifact sha256 ${sha(mlp)} does not match the registered ${sha(forest)}` })
  t.same(await readdir(fresh.cacheDir).then((d) => d.length === 0 ? [] : readdir(join(fresh.cacheDir, 'iris_sha'))), [], 'no cached copy, no temp dir left')
})

t.test('a version registered by the Python client (mlflow.onnx.log_model, source models:/m-...) is read and fetched', async (t) => {
  const { reg } = await registry()
  const py = await runPythonJson<{ version: string, run_id: string, model_uri: string }>('test/python/mlflow_client.py', [
    'register', '--tracking', server.url, '--name', 'iris_py', '--onnx', join(models, 'iris/1/model.onnx'), '--alias', 'production'])
  t.equal(py.version, '1')
  t.equal(await reg.getAlias('iris_py', 'production'), '1')
  const v = await reg.getVersion('iris_py', '1')
  t.match(v, { source: /^models:\/m-[0-9a-f]{32}$/, sha256: '', metrics: { accuracy: 0.9333 }, params: { n_estimators: 50 }, aliases: ['production'] })
  const dir = await reg.fetchArtifact('iris_py', '1')
  t.same((await readdir(dir)).sort(), ['artifact', 'metadata.json', 'model.onnx'], 'served model.onnx and metadata.json next to the files as logged')
  const files = (await readdir(join(dir, 'artifact'))).sort()
  t.ok(files.includes('MLmodel') && files.includes('model.onnx'), files.join(','))
  const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))
  t.same(meta.classes, ['setosa', 'versicolor', 'virginica'])
  t.same(meta.feature_names, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
  t.equal(meta.sha256, sha(await readFile(join(dir, 'model.onnx'))))
  t.match(meta.mlflow, { run_id: py.run_id, model_id: /^m-/ })
})

t.test('a version deleted and re-created with other bytes under the same name and number is downloaded again', async (t) => {
  const { reg, cacheDir, warnings } = await registry()
  const first = await reg.createVersion('iris_again', { onnx: forest, metadata: forestMeta })
  const before = await reg.fetchArtifact('iris_again', first.version)
  const identity = await reg.versionIdentity?.('iris_again', '1')
  t.match(identity, /^[0-9a-f]{16}$/)
  t.equal(before.endsWith(`/1-${identity}`), true)
  const del = await fetch(`${server.url}/api/2.0/mlflow/registered-models/delete`, { method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'iris_again' }) })
  t.equal(del.status, 200)
  const second = await reg.createVersion('iris_again', { onnx: mlp, metadata: mlpMeta })
  t.equal(second.version, '1', 'same name, same version number')
  t.not(await reg.versionIdentity?.('iris_again', '1'), identity, 'another run: another identity')
  t.same(await reg.resolveAlias?.('iris_again', 'x').catch((err: { code: string }) => err.code), 'GW_REGISTRY_ALIAS_NOT_FOUND')
  const after = await reg.fetchArtifact('iris_again', '1')
  t.not(after, before)
  t.equal(sha(await readFile(join(after, 'model.onnx'))), sha(mlp), 'the new bytes, not the cached old ones')
  t.same(await readdir(join(cacheDir, 'iris_again')), [after.split('/').pop()], 'the stale copy is removed')
  t.match(warnings, [{ dir: before }])
  await reg.setAlias('iris_again', 'production', '1')
  t.same(await reg.resolveAlias?.('iris_again', 'production'), { version: '1', identity: await reg.versionIdentity?.('iris_again', '1') })
})

t.test("skl2onnx's default export (ZipMap) logged by the Python client without metadata: ZipMap removed, labels from the graph", async (t) => {
  const { reg } = await registry()
  const py = await runPythonJson<{ version: string, outputs: string[], probabilities: number[][], classes: string[] }>('test/python/mlflow_interop.py', [
    'log', '--tracking', server.url, '--name', 'iris_zipmap', '--algo', 'logreg'])
  t.same(py.outputs, ['output_label', 'output_probability'], 'the ZipMap output as skl2onnx makes it')
  const dir = await reg.fetchArtifact('iris_zipmap', py.version)
  const meta = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))
  t.match(meta, { classes: ['setosa', 'versicolor', 'virginica'], classes_source: 'graph', zipmap_removed: true, output_names: { label: 'output_label', probabilities: 'probabilities' }, artifact_file: 'model.onnx' })
  t.equal(meta.sha256, sha(await readFile(join(dir, 'model.onnx'))))
  t.equal(meta.artifact_sha256, sha(await readFile(join(dir, 'artifact', 'model.onnx'))))
  t.not(meta.sha256, meta.artifact_sha256, 'the served graph is the rewritten one')
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'))
  t.teardown(() => session.release())
  t.same(session.outputNames, ['output_label', 'probabilities'])
  const out = await session.run({ X: new ort.Tensor('float32', Float32Array.from(ROWS.flat()), [3, 4]) })
  const got = Array.from(out.probabilities.data as Float32Array)
  const maxDiff = Math.max(...py.probabilities.flat().map((p, i) => Math.abs(p - got[i])))
  t.ok(maxDiff <= 1e-6, `max |sklearn predict_proba - gateway| = ${maxDiff}`)
  t.same(Array.from(out.output_label.data as string[]), ['setosa', 'versicolor', 'virginica'])

  // Integer labels (a forest on numeric targets): TreeEnsembleClassifier/ZipMap classlabels_int64s.
  const ints = await runPythonJson<{ version: string }>('test/python/mlflow_interop.py', ['log', '--tracking', server.url, '--name', 'iris_zipmap_ints', '--algo', 'forest', '--labels', 'ints'])
  const intsMeta = JSON.parse(await readFile(join(await reg.fetchArtifact('iris_zipmap_ints', ints.version), 'metadata.json'), 'utf8'))
  t.match(intsMeta, { classes: ['0', '1', '2'], classes_source: 'graph', zipmap_removed: true })
})

t.test('no labels in the metadata or the graph: class and feature names from the MLflow signature', async (t) => {
  const { reg } = await registry()
  const py = await runPythonJson<{ version: string }>('test/python/mlflow_interop.py', [
    'log', '--tracking', server.url, '--name', 'iris_signed', '--onnx', join(models, 'iris_mlp/1/model.onnx'), '--classes', 'Setosa,Versicolour,Virginica', '--features', 'sl,sw,pl,pw'])
  const meta = JSON.parse(await readFile(join(await reg.fetchArtifact('iris_signed', py.version), 'metadata.json'), 'utf8'))
  t.match(meta, { classes: ['Setosa', 'Versicolour', 'Virginica'], classes_source: 'signature', feature_names: ['sl', 'sw', 'pl', 'pw'], zipmap_removed: false })
  t.equal(meta.sha256, meta.artifact_sha256, 'served as logged')
})

t.test('MLflow unreachable: 503 naming it; MLflow silent: 504 within the deadline', async (t) => {
  const port = await freePort()
  const { reg } = await registry({ trackingUri: `http://127.0.0.1:${port}` })
  await t.rejects(reg.getAlias('iris', 'production'), { code: 'GW_UPSTREAM_UNAVAILABLE', statusCode: 503, message: new RegExp(`^MLflow at http://127.0.0.1:${port} is unavailable: ECONNREFUSED`) })
  await t.rejects(reg.describe(), { code: 'GW_UPSTREAM_UNAVAILABLE' })

  const sockets = new Set<import('node:net').Socket>()
  const silent = createServer((s) => { sockets.add(s) }) // accepts connections, never answers
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); silent.close(() => resolve()) }))
  const hung = await registry({ trackingUri: `http://127.0.0.1:${(silent.address() as { port: number }).port}`, timeoutMs: 300 })
  const started = Date.now()
  await t.rejects(hung.reg.listModels(), { code: 'GW_UPSTREAM_TIMEOUT', statusCode: 504, message: /MLflow at .* did not answer within 300 ms/ })
  t.ok(Date.now() - started < 5000, 'gave up at the deadline, not later')
})
