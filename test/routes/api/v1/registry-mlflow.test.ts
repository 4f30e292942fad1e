// The gateway on a real MLflow tracking server (MLFLOW_TRACKING_URI): registration and aliases
// through the admin routes, serving by alias with model_registry_info, hot reload under load when
// another MLflow client moves the alias (REGISTRY_POLL_SECONDS), a version registered by the Python
// client served, /health, and MLflow going away and coming back.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp, SETOSA, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { startMlflow } from '../../../helpers/mlflow.js'
import { runPythonJson } from '../../../helpers/python.js'
import { registryLoad } from '../../../helpers/registry-load.js'

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const models = new URL('../../../../models/', import.meta.url).pathname

async function modelBody (dir: string, accuracy: number) {
  return {
    onnx_base64: (await readFile(join(models, dir, 'model.onnx'))).toString('base64'),
    metadata: JSON.parse(await readFile(join(models, dir, 'metadata.json'), 'utf8')),
    metrics: { accuracy },
    params: { source_dir: dir },
    tags: { source_dir: dir }
  }
}

const server = await startMlflow(t)
const cacheDir = await mkdtemp(join(tmpdir(), 'gw-mlf-cache-'))
t.teardown(() => rm(cacheDir, { recursive: true, force: true }))
const app = await buildTestApp(t, {
  ADMIN_TOKEN: TOKEN,
  MLFLOW_TRACKING_URI: server.url,
  MLFLOW_CACHE_DIR: cacheDir,
  MLFLOW_TIMEOUT_MS: '3000',
  REGISTRY_POLL_SECONDS: '1',
  REGISTRY_RETIRE_GRACE_MS: '200',
  UPSTREAM_BREAKER_COOLDOWN_MS: '500'
})
// The same ONNX files served straight from models/ give the reference answers.
const direct = async (model: string, body: object) => (await app.inject({ method: 'POST', url: `/api/v1/classify?model=${model}`, payload: body, headers: { 'cache-control': 'no-cache' } })).json()

t.test('register through the gateway, point production at it, serve it by alias', async (t) => {
  for (const [dir, acc] of [['iris/1', 0.9333], ['iris_mlp/1', 0.9667]] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/registry/models/iris_mlflow/versions', headers: auth, payload: await modelBody(dir, acc) })
    t.equal(res.statusCode, 201, res.body)
    t.match(res.json(), { name: 'iris_mlflow', metrics: { accuracy: acc }, tags: { source_dir: dir }, source: /^mlflow-artifacts:\// })
  }
  const moved = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris_mlflow/aliases/production', headers: auth, payload: { version: '1' } })
  t.same(moved.json(), { model: 'iris_mlflow', alias: 'production', version: '1', previous: null })

  const list = (await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).json()
  t.equal(list.backend, 'mlflow')
  t.same(list.models.find((m: { name: string }) => m.name === 'iris_mlflow'), { name: 'iris_mlflow', latest_version: '2', aliases: { production: '1' }, versions: 2 })

  for (const [sample, want] of [[SETOSA, 'setosa'], [VERSICOLOR, 'versicolor'], [VIRGINICA, 'virginica']] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow&alias=production', payload: sample })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json()
    t.equal(body.predicted_class, want)
    t.same(body.probabilities, (await direct('iris', sample)).probabilities, 'same probabilities as the forest served from models/')
    t.same(body.model_registry_info, {
      model_name: 'iris_mlflow',
      model_format: 'onnx',
      model_version: '1',
      model_stage: 'None',
      model_alias: 'production',
      model_uri: 'models:/iris_mlflow@production',
      mlflow_tracking_uri: server.url
    })
  }
  const v2 = (await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow&version=2', payload: VERSICOLOR })).json()
  t.same(v2.probabilities, (await direct('iris_mlp', VERSICOLOR)).probabilities, 'version=2 is the MLP')

  const missing = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow&alias=staging', payload: SETOSA })
  t.equal(missing.statusCode, 404, "MLflow's 400 for a missing alias is our 404")
  t.same(missing.json(), { statusCode: 404, code: 'GW_REGISTRY_ALIAS_NOT_FOUND', error: 'Not Found', message: "Registered model 'iris_mlflow' has no alias 'staging'" })
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=nope', payload: SETOSA })).json().code, 'GW_REGISTRY_MODEL_NOT_FOUND')

  const health = (await app.inject('/health')).json()
  t.match(health.dependencies.registry, { status: 'up', backend: 'mlflow', location: server.url, tracking_uri: server.url, served: [{ model: 'iris_mlflow', alias: 'production', version: '1' }] })
})

t.test('hot reload under load: another MLflow client moves the alias during >= 2000 requests; zero failures', async (t) => {
  let moved = false
  const load = registryLoad(app, {
    url: '/api/v1/classify-registry?model_name=iris_mlflow',
    min: 2000,
    workers: 4,
    pauseEvery: 100,
    // Past the move, until the poll has swapped version 2 in and it has answered for a while.
    until: () => moved && (load.seen.get('2') ?? 0) >= 200
  })
  async function mover () {
    while (load.sent() < 300) await new Promise((resolve) => setTimeout(resolve, 10))
    // The Python client, not the gateway, moves the alias: only the poll can notice.
    await runPythonJson('test/python/mlflow_client.py', ['set-alias', '--tracking', server.url, '--name', 'iris_mlflow', '--alias', 'production', '--version', '2'])
    moved = true
  }
  await Promise.all([load.run(), mover()])
  t.equal(load.failures(), 0, 'no failed request')
  t.ok(load.answered() >= 2000, `${load.answered()} answered`)
  t.ok((load.seen.get('1') ?? 0) > 0 && (load.seen.get('2') ?? 0) >= 200, `both versions served: ${JSON.stringify(Object.fromEntries(load.seen))}`)
  const after = (await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow', payload: SETOSA })).json()
  t.equal(after.model_registry_info.model_version, '2')
})

t.test('a version the Python client registered (mlflow.onnx.log_model) is served with the classes from its MLmodel', async (t) => {
  const py = await runPythonJson<{ version: string }>('test/python/mlflow_client.py', [
    'register', '--tracking', server.url, '--name', 'iris_py', '--onnx', join(models, 'iris/1/model.onnx'), '--alias', 'champion'])
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_py&alias=champion', payload: VIRGINICA })
  t.equal(res.statusCode, 200, res.body)
  t.equal(res.json().predicted_class, 'virginica')
  t.same(res.json().probabilities, (await direct('iris', VIRGINICA)).probabilities)
  t.match(res.json().model_registry_info, { model_version: py.version, model_alias: 'champion', model_uri: 'models:/iris_py@champion' })
})

t.test('MLflow silent (frozen): served aliases keep answering, registry calls give 504 at MLFLOW_TIMEOUT_MS', async (t) => {
  server.freeze()
  t.teardown(() => server.thaw())
  await new Promise((resolve) => setTimeout(resolve, 1200)) // a poll tick starts and hangs
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow', payload: SETOSA })
    t.equal(res.statusCode, 200)
    t.equal(res.json().model_registry_info.model_version, '2')
  }
  const list = await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })
  t.equal(list.statusCode, 504)
  t.match(list.json(), { code: 'GW_UPSTREAM_TIMEOUT', message: `MLflow at ${server.url} did not answer within 3000 ms` })
  server.thaw()
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).statusCode, 200)
})

t.test('MLflow down: served aliases keep answering, registry calls 503 naming MLflow (then circuit open), /health says so; back after restart', async (t) => {
  await server.stop()
  const served = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow', payload: SETOSA })
  t.equal(served.statusCode, 200, 'the loaded version needs no MLflow')
  t.equal(served.json().model_registry_info.model_version, '2')
  const list = await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })
  t.equal(list.statusCode, 503)
  // The poller's failures may already have opened MLflow's breaker: either 503 names MLflow and says when to retry.
  t.match(list.json(), { code: /^GW_(UPSTREAM_UNAVAILABLE|CIRCUIT_OPEN)$/, message: new RegExp(`^MLflow at ${server.url} is unavailable`) })
  t.match(list.headers['retry-after'], /^\d+$/)
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris_mlflow&alias=other', payload: SETOSA })
  t.equal(unknown.statusCode, 503, 'an alias not yet served needs MLflow')
  const health = (await app.inject('/health')).json()
  t.match(health.dependencies.registry, { status: 'down', critical: false })
  t.match(JSON.stringify(health.dependencies.registry), /MLflow at/)

  await server.restart()
  // Back once the breaker's cool-down (500 ms here) lets a probe through.
  let back = await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })
  for (let i = 0; i < 30 && back.statusCode !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    back = await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })
  }
  t.equal(back.statusCode, 200)
  t.equal((await app.inject('/health')).json().dependencies.registry.status, 'up')
})

t.test('retraining against MLflow registers the candidate with its metrics and moves production through the gate', async (t) => {
  const res = await app.inject({ method: 'POST', url: '/api/v1/retrain', headers: auth })
  t.equal(res.statusCode, 200, res.body)
  const decision = res.json()
  t.match(decision, { model: 'simple_classifier', version: '1', decision: 'promoted' })
  const versions = (await app.inject({ method: 'GET', url: '/api/v1/registry/models/simple_classifier/versions', headers: auth })).json().versions
  t.equal(versions.length, 1)
  t.equal(versions[0].metrics.accuracy_percent, decision.accuracy_percent)
  t.same(versions[0].aliases, ['production'])
  const predicted = await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3], [-0.8, -1.2]] } })
  t.equal(predicted.statusCode, 200, predicted.body)
  const [[high], [low]] = predicted.json().predictions
  t.ok(high > 0.9 && low < 0.1, `predictions ${high}, ${low}`)
})
