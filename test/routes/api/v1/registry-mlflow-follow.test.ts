// What the gateway follows on a real MLflow beyond the official client's walk-through
// (registry-mlflow-interop.test.ts): a version deleted and re-created with other bytes between two
// refreshes, a version served by number then deleted, names MLflow accepts (spaces, dots, Unicode) on
// every registry route, a model that cannot be served (422, /health stays up), reload (any body, all
// served aliases at once under one deadline) and the default poll.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp, SETOSA, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { startMlflow } from '../../../helpers/mlflow.js'
import { mlflowPythonClient } from '../../../helpers/mlflow-python.js'

// A real MLflow server and the Python client (mlflow, scikit-learn, skl2onnx imports) take minutes to
// start on a loaded machine: more than tap's default 300 s for the whole file.
t.setTimeout(10 * 60_000)

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const models = new URL('../../../../models/', import.meta.url).pathname

const server = await startMlflow(t)
const py = mlflowPythonClient(t, server.url)
const cacheDir = await mkdtemp(join(tmpdir(), 'gw-mlf-cache-'))
t.teardown(() => rm(cacheDir, { recursive: true, force: true }))
const shared = {
  ADMIN_TOKEN: TOKEN,
  MLFLOW_TRACKING_URI: server.url,
  MLFLOW_CACHE_DIR: cacheDir,
  MLFLOW_TIMEOUT_MS: '3000',
  REGISTRY_RETIRE_GRACE_MS: '200'
}
const app = await buildTestApp(t, { ...shared, REGISTRY_POLL_SECONDS: '1' })

const classify = (name: string, query: string, body: object = SETOSA) =>
  app.inject({ method: 'POST', url: `/api/v1/classify-registry?model_name=${encodeURIComponent(name)}&${query}`, payload: body })
const body = async (dir: string) => ({
  onnx_base64: (await readFile(join(models, dir, 'model.onnx'))).toString('base64'),
  metadata: JSON.parse(await readFile(join(models, dir, 'metadata.json'), 'utf8'))
})

t.test('one model served by alias all along, registered through the gateway', async (t) => {
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/registry/models/served/versions', headers: auth, payload: await body('iris/1') })).statusCode, 201)
  t.equal((await app.inject({ method: 'PUT', url: '/api/v1/registry/models/served/aliases/production', headers: auth, payload: { version: '1' } })).statusCode, 200)
  t.equal((await classify('served', 'alias=production')).json().predicted_class, 'setosa')
})

t.test('a version deleted and re-created with other bytes between two refreshes: reload says reloaded, the new bytes answer', async (t) => {
  // Polling off here, so the re-creation happens between two refreshes for sure.
  const quiet = await buildTestApp(t, { ...shared, REGISTRY_POLL_SECONDS: '0' })
  const direct = async (model: string) => (await quiet.inject({ method: 'POST', url: `/api/v1/classify?model=${model}`, payload: VERSICOLOR, headers: { 'cache-control': 'no-cache' } })).json().probabilities
  const ask = async () => (await quiet.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=recreated', payload: VERSICOLOR })).json()
  t.equal((await quiet.inject({ method: 'POST', url: '/api/v1/registry/models/recreated/versions', headers: auth, payload: await body('iris/1') })).statusCode, 201)
  t.equal((await quiet.inject({ method: 'PUT', url: '/api/v1/registry/models/recreated/aliases/production', headers: auth, payload: { version: '1' } })).statusCode, 200)
  t.same((await ask()).probabilities, await direct('iris'))

  const mlflow = (method: string, path: string, payload: object) => fetch(`${server.url}/api/2.0/mlflow/${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
  t.equal((await mlflow('DELETE', 'registered-models/delete', { name: 'recreated' })).status, 200)
  t.equal((await quiet.inject({ method: 'POST', url: '/api/v1/registry/models/recreated/versions', headers: auth, payload: await body('iris_mlp/1') })).json().version, '1')
  t.equal((await mlflow('POST', 'registered-models/alias', { name: 'recreated', alias: 'production', version: '1' })).status, 200)
  t.same((await ask()).probabilities, await direct('iris'), 'no poll yet: the loaded bytes still answer')

  const reload = await quiet.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })
  t.same(reload.json().served, [{ model: 'recreated', alias: 'production', version: '1', status: 'reloaded' }])
  t.same((await ask()).probabilities, await direct('iris_mlp'), 'the re-created version answers')
  t.equal((await quiet.inject('/health')).json().dependencies.registry.poll_seconds, 0)

  // A version served by number (no alias) and deleted in MLflow: unloaded by the next refresh, then 404.
  t.equal((await quiet.inject({ method: 'POST', url: '/api/v1/registry/models/recreated/versions', headers: auth, payload: await body('iris/1') })).json().version, '2')
  const byNumber = () => quiet.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=recreated&version=2', payload: VERSICOLOR })
  t.same((await byNumber()).json().probabilities, await direct('iris'))
  t.equal((await mlflow('DELETE', 'model-versions/delete', { name: 'recreated', version: '2' })).status, 200)
  t.equal((await byNumber()).statusCode, 200, 'no refresh yet: still loaded')
  t.same((await quiet.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })).json().served.map((s: { status: string }) => s.status), ['unchanged'])
  t.match((await byNumber()).json(), { statusCode: 404, code: 'GW_REGISTRY_VERSION_NOT_FOUND' })
})

t.test('names MLflow accepts (spaces, dots, Unicode) on every registry route; traversal refused', async (t) => {
  const name = 'iris space.v2 ü 鸢尾'
  const alias = 'prod_ü'
  const path = `/api/v1/registry/models/${encodeURIComponent(name)}`
  const onnx = (await readFile(join(models, 'iris/1/model.onnx'))).toString('base64')
  const metadata = JSON.parse(await readFile(join(models, 'iris/1/metadata.json'), 'utf8'))
  const created = await app.inject({ method: 'POST', url: `${path}/versions`, headers: auth, payload: { onnx_base64: onnx, metadata } })
  t.equal(created.statusCode, 201, created.body)
  t.equal(created.json().name, name)
  const put = await app.inject({ method: 'PUT', url: `${path}/aliases/${encodeURIComponent(alias)}`, headers: auth, payload: { version: '1' } })
  t.same(put.json(), { model: name, alias, version: '1', previous: null })
  t.same((await app.inject({ method: 'GET', url: `${path}/versions`, headers: auth })).json().versions.map((v: { name: string, aliases: string[] }) => [v.name, v.aliases]), [[name, [alias]]])
  t.ok((await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).json().models.some((m: { name: string }) => m.name === name))
  const byAlias = await app.inject({ method: 'POST', url: `/api/v1/classify-registry?model_name=${encodeURIComponent(name)}&alias=${encodeURIComponent(alias)}`, payload: VIRGINICA })
  t.equal(byAlias.statusCode, 200, byAlias.body)
  t.match(byAlias.json(), { predicted_class: 'virginica', model_registry_info: { model_name: name, model_alias: alias, model_uri: `models:/${name}@${alias}` } })
  t.equal((await classify(name, 'version=1', VIRGINICA)).json().predicted_class, 'virginica')
  const staged = await app.inject({ method: 'POST', url: `${path}/versions/1/stage`, headers: auth, payload: { stage: 'Staging' } })
  t.equal(staged.json().stage, 'Staging')
  t.same((await app.inject({ method: 'GET', url: `${path}/aliases/history`, headers: auth })).json().history.map((h: { model: string, alias: string, to: string }) => [h.model, h.alias, h.to]), [[name, alias, '1']])
  const reload = await app.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })
  t.ok(reload.json().served.some((s: { model: string, alias: string, status: string }) => s.model === name && s.alias === alias && s.status === 'unchanged'))
  const del = await app.inject({ method: 'DELETE', url: `${path}/aliases/${encodeURIComponent(alias)}`, headers: auth })
  t.same(del.json(), { model: name, alias, version: null, previous: '1' })

  // Refused before anything is read: '..', '.', '/', ':', NUL, blank; the 400 names the field.
  for (const bad of ['..', '.', 'a/b', 'a:b', 'a\0b', '   ']) {
    const r = await app.inject({ method: 'GET', url: `/api/v1/registry/models/${encodeURIComponent(bad)}/versions`, headers: auth })
    if (bad === '.' || bad === '..') {
      // In a path, %2E segments are dot segments: the URL is normalised before routing (no registry route matches).
      t.match(r.json(), { statusCode: 404, code: 'GW_ROUTE_NOT_FOUND' }, `path name ${JSON.stringify(bad)}: ${r.body}`)
    } else {
      t.equal(r.statusCode, 400, `path name ${JSON.stringify(bad)}: ${r.body}`)
      t.match(r.json(), { code: 'FST_ERR_VALIDATION', message: /params\/name/ })
    }
    const q = await classify(bad, 'alias=production')
    t.equal(q.statusCode, 400, `query model_name ${JSON.stringify(bad)}`)
    t.match(q.json().message, /model_name/)
  }
  const badAlias = await app.inject({ method: 'PUT', url: `${path}/aliases/${encodeURIComponent('a b')}`, headers: auth, payload: { version: '1' } })
  t.equal(badAlias.statusCode, 400)
  t.match(badAlias.json().message, /params\/alias/)
})

t.test('a model that cannot be served (int64 input) is refused with 422 naming why; /health stays up', async (t) => {
  const logged = await py<{ version: string }>(['log', '--name', 'iris_int64', '--algo', 'logreg', '--dtype', 'int64', '--alias', 'production'])
  const res = await classify('iris_int64', 'alias=production')
  t.equal(res.statusCode, 422, res.body)
  t.same(res.json(), {
    statusCode: 422,
    code: 'GW_REGISTRY_MODEL_UNSERVABLE',
    error: 'Unprocessable Entity',
    message: `Registered model 'iris_int64' version '${logged.version}' cannot be served: input 'X' must be a float32 tensor of shape [batch, features]`
  })
  const started = Date.now()
  t.equal((await classify('iris_int64', 'alias=production')).statusCode, 422)
  t.ok(Date.now() - started < 1000, 'the refusal is remembered, not re-tried per request')
  const health = (await app.inject('/health')).json()
  t.equal(health.dependencies.onnx.status, 'up', 'the models that work keep /health up')
  t.notOk(JSON.stringify(health.dependencies.onnx).includes('iris_int64'))
  t.equal((await classify('served', 'alias=production')).statusCode, 200, 'others still served')
})

t.test('reload: any body accepted (none, empty JSON, form); with MLflow frozen every served alias is checked at once under one deadline', async (t) => {
  for (const [headers, payload] of [[{}, undefined], [{ 'content-type': 'application/json' }, ''], [{ 'content-type': 'application/x-www-form-urlencoded' }, ''], [{ 'content-type': 'application/x-www-form-urlencoded' }, 'now=1']] as const) {
    const r = await app.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: { ...auth, ...headers }, ...(payload === undefined ? {} : { payload }) })
    t.equal(r.statusCode, 200, `${JSON.stringify(headers)} ${JSON.stringify(payload)}: ${r.body}`)
    t.ok(r.json().served.every((s: { status: string }) => s.status === 'unchanged'), r.body)
  }
  // Serve three more aliases, then freeze MLflow: one reload takes one deadline, not one per alias.
  for (const alias of ['a1', 'a2', 'a3']) {
    await app.inject({ method: 'PUT', url: `/api/v1/registry/models/served/aliases/${alias}`, headers: auth, payload: { version: '1' } })
    t.equal((await classify('served', `alias=${alias}`)).statusCode, 200)
  }
  server.freeze()
  t.teardown(() => server.thaw())
  const started = Date.now()
  const r = await app.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })
  const took = Date.now() - started
  server.thaw()
  t.equal(r.statusCode, 200)
  const served = r.json().served as Array<{ status: string, error?: string }>
  t.ok(served.length >= 4, `${served.length} served aliases`)
  t.ok(served.every((s) => s.status === 'failed' && /3000 ms|circuit open/.test(s.error ?? '')), r.body)
  t.ok(took >= 2900 && took < 3000 + 1500, `answered in ${took} ms: one 3000 ms deadline for ${served.length} aliases`)
})

t.test('with MLflow, polling is on by default (5 s); with the embedded registry, off', async (t) => {
  const mlflowApp = await buildTestApp(t, shared)
  t.equal((await mlflowApp.inject('/health')).json().dependencies.registry.poll_seconds, 5)
  const embedded = await buildTestApp(t, {})
  t.equal((await embedded.inject('/health')).json().dependencies.registry.poll_seconds, 0)
})
