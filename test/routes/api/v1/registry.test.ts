// Registry through the gateway: admin auth, registration, aliases, serving by alias/version/stage,
// hot reload under load, sha256 refusal.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildTestApp, SETOSA, VIRGINICA } from '../../../helpers/app.js'
import { registryLoad } from '../../../helpers/registry-load.js'

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const root = new URL('../../../../models/', import.meta.url).pathname

async function modelBody (dir: string) {
  return {
    onnx_base64: (await readFile(join(root, dir, 'model.onnx'))).toString('base64'),
    metadata: JSON.parse(await readFile(join(root, dir, 'metadata.json'), 'utf8')),
    metrics: { accuracy: 0.96 },
    tags: { source_dir: dir }
  }
}

async function setup (t: Test) {
  const regDir = await mkdtemp(join(tmpdir(), 'gw-reg-'))
  t.teardown(() => rm(regDir, { recursive: true, force: true }))
  const app = await buildTestApp(t, { ADMIN_TOKEN: TOKEN, REGISTRY_DIR: regDir, REGISTRY_RETIRE_GRACE_MS: '200' })
  for (const dir of ['iris/1', 'iris_mlp/1']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/registry/models/iris-onnx/versions', headers: auth, payload: await modelBody(dir) })
    t.equal(res.statusCode, 201, res.body)
  }
  return { app, regDir }
}

t.test('admin routes need the bearer token and are documented', async (t) => {
  const { app } = await setup(t)
  const doc = (await app.inject('/docs/json')).json()
  t.same(doc.paths['/api/v1/registry/models/{name}/aliases/{alias}'].put.security, [{ adminToken: [] }])
  t.type(doc.paths['/api/v1/classify-registry'].post.summary, 'string')
  t.type(doc.paths['/predict'].post.summary, 'string')
  const res = await app.inject({ method: 'GET', url: '/api/v1/registry/models' })
  t.equal(res.statusCode, 401)
  t.equal(res.json().code, 'GW_UNAUTHORIZED')
  const bad = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: { authorization: 'Bearer wrong' }, payload: { version: '1' } })
  t.equal(bad.statusCode, 401)
  const list = await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })
  t.same(list.json().models, [{ name: 'iris-onnx', latest_version: '2', aliases: {}, versions: 2 }])
  const versions = (await app.inject({ method: 'GET', url: '/api/v1/registry/models/iris-onnx/versions', headers: auth })).json().versions
  t.same(versions.map((v: { tags: { source_dir: string } }) => v.tags.source_dir), ['iris/1', 'iris_mlp/1'])
  t.match(versions[0].sha256, /^[0-9a-f]{64}$/)
})

t.test('serve by alias, version and deprecated stage with model_registry_info', async (t) => {
  const { app } = await setup(t)
  const missing = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&alias=production', payload: SETOSA })
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().code, 'GW_REGISTRY_ALIAS_NOT_FOUND')
  const set = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  t.same(set.json(), { model: 'iris-onnx', alias: 'production', version: '1', previous: null })
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_format=onnx&model_name=iris-onnx&alias=production', payload: SETOSA })
  t.equal(res.statusCode, 200, res.body)
  const body = res.json()
  t.equal(body.predicted_class, 'setosa')
  t.ok(body.confidence > 0.9)
  t.equal(body.model_registry_info.model_version, '1')
  t.equal(body.model_registry_info.model_alias, 'production')
  t.equal(body.model_registry_info.model_uri, 'models:/iris-onnx@production')
  t.equal(body.model_registry_info.model_format, 'onnx')
  t.equal(body.model_registry_info.model_stage, 'None')
  t.match(body.model_registry_info.mlflow_tracking_uri, /^file:\/\//)

  const v2 = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&version=2', payload: VIRGINICA })
  t.equal(v2.json().predicted_class, 'virginica')
  t.equal(v2.json().model_registry_info.model_uri, 'models:/iris-onnx/2')
  t.equal(v2.json().model_registry_info.model_alias, null)

  const stageless = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&stage=Production', payload: SETOSA })
  t.equal(stageless.statusCode, 404)
  const staged = await app.inject({ method: 'POST', url: '/api/v1/registry/models/iris-onnx/versions/2/stage', headers: auth, payload: { stage: 'Production' } })
  t.equal(staged.json().stage, 'Production')
  const byStage = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&stage=Production', payload: SETOSA })
  t.equal(byStage.statusCode, 200)
  t.equal(byStage.headers.deprecation, 'true')
  t.equal(byStage.json().model_registry_info.model_version, '2')
  t.equal(byStage.json().model_registry_info.model_stage, 'Production')

  const sklearn = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_format=sklearn&model_name=iris-onnx', payload: SETOSA })
  t.equal(sklearn.statusCode, 400)
  t.match(sklearn.json().message, /model_format/)
  const unknown = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=nope', payload: SETOSA })
  t.equal(unknown.json().code, 'GW_REGISTRY_MODEL_NOT_FOUND')
})

t.test('hot reload under load: 2000 requests while the alias moves, zero failures', async (t) => {
  const { app } = await setup(t)
  await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  const load = registryLoad(app, { url: '/api/v1/classify-registry?model_name=iris-onnx', min: 2000, workers: 32 })
  async function mover () {
    for (let i = 0; i < 10 && load.sent() < 2000; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30))
      const res = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: i % 2 === 0 ? '2' : '1' } })
      t.equal(res.statusCode, 200)
    }
  }
  await Promise.all([load.run(), mover()])
  t.equal(load.failures(), 0, 'no failed or wrong answer')
  t.ok((load.seen.get('1') ?? 0) > 0 && (load.seen.get('2') ?? 0) > 0, `both versions served: ${JSON.stringify([...load.seen])}`)
  t.ok(load.answered() >= 2000)
  const history = (await app.inject({ method: 'GET', url: '/api/v1/registry/models/iris-onnx/aliases/history', headers: auth })).json().history
  t.ok(history.length >= 2)
  // After the grace period only the version production points at stays loaded.
  const final = (await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).json().models[0].aliases.production
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.same(app.onnx.list().filter((m) => m.name === 'iris-onnx@registry').map((m) => m.version), [final])
})

t.test('reload picks up an alias moved outside the gateway; a tampered artifact is refused', async (t) => {
  const { app, regDir } = await setup(t)
  await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })
  // Another process (the CLI) moves the alias in the files: the gateway serves v1 until a refresh.
  await writeFile(join(regDir, 'iris-onnx', 'aliases.json'), JSON.stringify({ production: '2' }))
  const before = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })
  t.equal(before.json().model_registry_info.model_version, '1')
  const reload = await app.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })
  t.same(reload.json().served, [{ model: 'iris-onnx', alias: 'production', version: '2', status: 'moved' }])
  const after = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })
  t.equal(after.json().model_registry_info.model_version, '2')

  const v3 = await app.inject({ method: 'POST', url: '/api/v1/registry/models/iris-onnx/versions', headers: auth, payload: await modelBody('iris/1') })
  t.equal(v3.json().version, '3')
  await writeFile(join(regDir, 'iris-onnx', '3', 'model.onnx'), await readFile(join(root, 'iris_mlp/1/model.onnx')))
  const refused = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&version=3', payload: SETOSA })
  t.equal(refused.statusCode, 502)
  t.equal(refused.json().code, 'GW_REGISTRY_INTEGRITY')
  t.match(refused.json().message, /does not match the registered/)
  const move = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '3' } })
  t.equal(move.statusCode, 502, 'moving an alias to a tampered version is refused')
  const aliases = (await app.inject({ method: 'GET', url: '/api/v1/registry/models', headers: auth })).json().models[0].aliases
  t.same(aliases, { production: '2' }, 'the alias did not move')
  const still = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })
  t.equal(still.statusCode, 200)
  t.equal(still.json().model_registry_info.model_version, '2', 'the loaded version keeps serving')
})

t.test('REGISTRY_POLL_SECONDS hot-reloads an alias moved by another process', async (t) => {
  const regDir = await mkdtemp(join(tmpdir(), 'gw-reg-'))
  t.teardown(() => rm(regDir, { recursive: true, force: true }))
  const app = await buildTestApp(t, { ADMIN_TOKEN: TOKEN, REGISTRY_DIR: regDir, REGISTRY_POLL_SECONDS: '1', REGISTRY_RETIRE_GRACE_MS: '0' })
  for (const dir of ['iris/1', 'iris_mlp/1']) await app.inject({ method: 'POST', url: '/api/v1/registry/models/iris-onnx/versions', headers: auth, payload: await modelBody(dir) })
  await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  const first = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })
  t.equal(first.json().model_registry_info.model_version, '1')
  await writeFile(join(regDir, 'iris-onnx', 'aliases.json'), JSON.stringify({ production: '2' }))
  let version = '1'
  for (let i = 0; i < 40 && version === '1'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    version = (await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: SETOSA })).json().model_registry_info.model_version
  }
  t.equal(version, '2', 'served version follows the registry within a few poll periods')
  const health = (await app.inject('/health')).json()
  t.match(JSON.stringify(health), /"served":\[\{"model":"iris-onnx","alias":"production","version":"2"\}\]/)
})

t.test('aliases named like Object.prototype members are plain unknown aliases: 404, nothing written', async (t) => {
  const { app, regDir } = await setup(t)
  await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  const historyFile = join(regDir, 'iris-onnx', 'alias-history.jsonl')
  const before = await readFile(historyFile, 'utf8')
  for (const alias of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    const classify = await app.inject({ method: 'POST', url: `/api/v1/classify-registry?model_name=iris-onnx&alias=${alias}`, payload: SETOSA })
    t.equal(classify.statusCode, 404, `classify with alias=${alias}`)
    t.same(classify.json(), { statusCode: 404, code: 'GW_REGISTRY_ALIAS_NOT_FOUND', error: 'Not Found', message: `Registered model 'iris-onnx' has no alias '${alias}'` })
    const del = await app.inject({ method: 'DELETE', url: `/api/v1/registry/models/iris-onnx/aliases/${alias}`, headers: auth })
    t.equal(del.statusCode, 404, `DELETE alias ${alias}`)
    t.same(del.json(), { statusCode: 404, code: 'GW_REGISTRY_ALIAS_NOT_FOUND', error: 'Not Found', message: `Registered model 'iris-onnx' has no alias '${alias}'` })
  }
  t.equal(await readFile(historyFile, 'utf8'), before, 'no alias-history line written')
  t.same(JSON.parse(await readFile(join(regDir, 'iris-onnx', 'aliases.json'), 'utf8')), { production: '1' })
  // An alias may still be named 'constructor' on purpose: then it is a real one.
  const set = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/constructor', headers: auth, payload: { version: '2' } })
  t.same(set.json(), { model: 'iris-onnx', alias: 'constructor', version: '2', previous: null })
  const served = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx&alias=constructor', payload: SETOSA })
  t.equal(served.json().model_registry_info.model_version, '2')
  const del = await app.inject({ method: 'DELETE', url: '/api/v1/registry/models/iris-onnx/aliases/constructor', headers: auth })
  t.same(del.json(), { model: 'iris-onnx', alias: 'constructor', version: null, previous: '2' })
})
