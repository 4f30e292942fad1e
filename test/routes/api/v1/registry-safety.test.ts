// Model-format safety through the gateway: only ONNX that loads is registered; an alias moves only
// after its target loaded; after a restart an alias whose target cannot load keeps its last good
// version serving and /health/ready names it; the models directory refuses a pickle by name.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { buildApp } from '../../../../app.js'
import { buildTestApp, SETOSA } from '../../../helpers/app.js'
import { runPythonJson } from '../../../helpers/python.js'

const TOKEN = 'test-admin-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const root = new URL('../../../../models/', import.meta.url).pathname
const iris = await readFile(join(root, 'iris/1/model.onnx'))
const irisMeta = JSON.parse(await readFile(join(root, 'iris/1/metadata.json'), 'utf8'))
const mlp = await readFile(join(root, 'iris_mlp/1/model.onnx'))
const mlpMeta = JSON.parse(await readFile(join(root, 'iris_mlp/1/metadata.json'), 'utf8'))

async function tempDir (t: Test, prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function setup (t: Test) {
  const regDir = await tempDir(t, 'gw-reg-')
  const dataDir = await tempDir(t, 'gw-data-')
  const env = { ADMIN_TOKEN: TOKEN, REGISTRY_DIR: regDir, DATA_DIR: dataDir, REGISTRY_RETIRE_GRACE_MS: '100' }
  const app = await buildTestApp(t, env)
  for (const [onnx, metadata] of [[iris, irisMeta], [mlp, mlpMeta]] as const) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/registry/models/flower/versions', headers: auth, payload: { onnx_base64: onnx.toString('base64'), metadata } })
    t.equal(res.statusCode, 201, res.body)
  }
  return { app, regDir, dataDir, env }
}

const classify = (app: { inject: Awaited<ReturnType<typeof buildTestApp>>['inject'] }) =>
  app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=flower', payload: SETOSA })

t.test('registration refuses pickle, joblib, random bytes, bad base64 and misfit ONNX, and keeps nothing', async (t) => {
  const { app, regDir } = await setup(t)
  const files = await runPythonJson<Record<string, string>>('test/python/model_formats.py', [t.testdir({})])
  const post = async (base64: string, metadata: Record<string, unknown> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/registry/models/flower/versions', headers: auth, payload: { onnx_base64: base64, metadata } })

  const pickle = await post((await readFile(files['pickle-sklearn.pkl'])).toString('base64'))
  t.equal(pickle.statusCode, 415)
  t.match(pickle.json(), { code: 'GW_MODEL_FORMAT_UNSUPPORTED', error: 'Unsupported Media Type', message: /^Refused: the artifact is Python pickle \(protocol 5\), not ONNX: loading a pickle runs arbitrary code/ })
  const joblib = await post((await readFile(files['joblib.joblib'])).toString('base64'))
  t.match(joblib.json(), { statusCode: 415, message: /the artifact is joblib \(a Python pickle\)/ })
  const h5 = await post((await readFile(files['model.h5'])).toString('base64'))
  t.match(h5.json(), { statusCode: 415, message: /the artifact is HDF5 \(Keras \.h5\)/ })
  const random = await post((await readFile(files['random.bin'])).toString('base64'))
  t.match(random.json(), { statusCode: 415, message: /the artifact is unrecognised bytes, not ONNX/ })
  const notBase64 = await post('this is not base64 at all!')
  t.same(notBase64.json(), { statusCode: 422, code: 'GW_MODEL_INVALID', error: 'Unprocessable Entity', message: 'Refused: onnx_base64 is not valid base64' })
  const misfit = await post(iris.toString('base64'), { ...irisMeta, classes: ['a', 'b'] })
  t.match(misfit.json(), { statusCode: 422, code: 'GW_MODEL_INVALID', message: /gives 3 class probabilities but metadata declares 2 classes/ })

  const versions = (await app.inject({ method: 'GET', url: '/api/v1/registry/models/flower/versions', headers: auth })).json().versions
  t.same(versions.map((v: { version: string }) => v.version), ['1', '2'], 'no refused artifact became a version')
  const doc = (await app.inject('/docs/json')).json()
  t.ok(doc.paths['/api/v1/registry/models/{name}/versions'].post.responses['415'])
  t.ok(doc.paths['/api/v1/registry/models/{name}/aliases/{alias}'].put.responses['422'])
  t.equal((await readFile(join(regDir, 'flower', 'alias-history.jsonl'), 'utf8').catch(() => '')), '')
})

t.test('an alias moves only after its target loaded: a tampered or non-ONNX target leaves aliases.json as it was', async (t) => {
  const { app, regDir } = await setup(t)
  t.equal((await app.inject({ method: 'PUT', url: '/api/v1/registry/models/flower/aliases/production', headers: auth, payload: { version: '1' } })).statusCode, 200)
  const aliasesBefore = await readFile(join(regDir, 'flower', 'aliases.json'), 'utf8')
  const historyBefore = await readFile(join(regDir, 'flower', 'alias-history.jsonl'), 'utf8')

  // Tampered: the sha256 recorded at registration no longer matches.
  await writeFile(join(regDir, 'flower', '2', 'model.onnx'), Buffer.concat([mlp, Buffer.from([0])]))
  const tampered = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/flower/aliases/production', headers: auth, payload: { version: '2' } })
  t.equal(tampered.statusCode, 502)
  t.match(tampered.json(), { code: 'GW_REGISTRY_INTEGRITY', message: /version '2' refused: artifact sha256 [0-9a-f]{64} does not match the registered/ })

  // A pickle whose hash was written into the version by hand (never through registration): refused by format.
  const pickle = Buffer.from([0x80, 0x04, 0x95, 0x00, 0x2e])
  const { createHash } = await import('node:crypto')
  const sha = createHash('sha256').update(pickle).digest('hex')
  await writeFile(join(regDir, 'flower', '2', 'model.onnx'), pickle)
  const version = JSON.parse(await readFile(join(regDir, 'flower', '2', 'version.json'), 'utf8'))
  await writeFile(join(regDir, 'flower', '2', 'version.json'), JSON.stringify({ ...version, sha256: sha }))
  const meta = JSON.parse(await readFile(join(regDir, 'flower', '2', 'metadata.json'), 'utf8'))
  await writeFile(join(regDir, 'flower', '2', 'metadata.json'), JSON.stringify({ ...meta, sha256: sha }))
  const refused = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/flower/aliases/production', headers: auth, payload: { version: '2' } })
  t.equal(refused.statusCode, 415)
  t.match(refused.json().message, /Python pickle \(protocol 4\).*arbitrary code/)

  t.equal(await readFile(join(regDir, 'flower', 'aliases.json'), 'utf8'), aliasesBefore, 'aliases.json unchanged')
  t.equal(await readFile(join(regDir, 'flower', 'alias-history.jsonl'), 'utf8'), historyBefore, 'no alias-history line')
  const served = await classify(app)
  t.equal(served.json().model_registry_info.model_version, '1')
})

t.test('after a restart an alias whose target cannot load keeps its last good version serving; /health/ready names it', async (t) => {
  const { app, regDir, dataDir, env } = await setup(t)
  t.equal((await app.inject({ method: 'PUT', url: '/api/v1/registry/models/flower/aliases/production', headers: auth, payload: { version: '1' } })).statusCode, 200)
  t.equal((await classify(app)).json().model_registry_info.model_version, '1')
  await app.close()
  t.match(JSON.parse(await readFile(join(dataDir, 'registry-serving.json'), 'utf8')), { last_good: [{ model: 'flower', alias: 'production', version: '1' }] })

  // While the gateway is down the alias is moved (another process) to a version whose file then gets damaged.
  await writeFile(join(regDir, 'flower', 'aliases.json'), JSON.stringify({ production: '2' }))
  await writeFile(join(regDir, 'flower', '2', 'model.onnx'), 'damaged')

  const again = await buildApp({ env: { LOG_LEVEL: 'silent', GRPC_PORT: '0', ...env }, logger: false })
  t.teardown(() => again.close())
  await again.ready()
  const res = await classify(again)
  t.equal(res.statusCode, 200)
  t.equal(res.json().predicted_class, 'setosa')
  t.equal(res.json().model_registry_info.model_version, '1', 'the last good version answers')
  const ready = await again.inject('/health/ready')
  t.equal(ready.statusCode, 200, 'still serving: ready')
  t.equal(ready.json().status, 'degraded')
  t.match(ready.json().dependencies.registry, {
    status: 'degraded',
    critical: false,
    alias_failures: [{ model: 'flower', alias: 'production', version: '2', serving: '1', error: /sha256 [0-9a-f]{64} does not match the registered/ }]
  })

  // Fixed in the registry: a reload serves the target and clears the failure.
  await writeFile(join(regDir, 'flower', 'aliases.json'), JSON.stringify({ production: '1' }))
  const reload = await again.inject({ method: 'POST', url: '/api/v1/registry/reload', headers: auth })
  t.same(reload.json().served, [{ model: 'flower', alias: 'production', version: '1', status: 'unchanged' }])
  t.equal((await again.inject('/health/ready')).json().dependencies.registry.alias_failures, undefined)
})

t.test('an alias with no good version to fall back on: 503 naming why, and /health/ready is 503 naming the alias', async (t) => {
  const { app, regDir } = await setup(t)
  await writeFile(join(regDir, 'flower', 'aliases.json'), JSON.stringify({ production: '2' }))
  await writeFile(join(regDir, 'flower', '2', 'model.onnx'), 'damaged')
  const res = await classify(app)
  t.equal(res.statusCode, 502)
  t.equal(res.json().code, 'GW_REGISTRY_INTEGRITY')
  const ready = await app.inject('/health/ready')
  t.equal(ready.statusCode, 503)
  t.match(ready.json().dependencies.registry, { status: 'down', critical: true, alias_failures: [{ model: 'flower', alias: 'production', version: '2', serving: null }] })
})

t.test('the models directory refuses a pickle named model.onnx, by name, and serves the rest', async (t) => {
  const modelsDir = await tempDir(t, 'gw-models-')
  await cp(join(root, 'iris'), join(modelsDir, 'iris'), { recursive: true })
  await cp(join(root, 'iris'), join(modelsDir, 'evil'), { recursive: true })
  const files = await runPythonJson<Record<string, string>>('test/python/model_formats.py', [t.testdir({})])
  await writeFile(join(modelsDir, 'evil', '1', 'model.onnx'), await readFile(files['pickle-sklearn.pkl']))
  await rm(join(modelsDir, 'evil', '1', 'metadata.json'))
  const app = await buildTestApp(t, { MODELS_DIR: modelsDir })
  const onnx = (await app.inject('/health')).json().dependencies.onnx
  t.match(onnx.models.find((m: { name: string }) => m.name === 'evil'), { version: '1', loaded: false, error: /^Refused: the artifact is Python pickle \(protocol 5\), not ONNX: loading a pickle runs arbitrary code/ })
  t.match(onnx.models.find((m: { name: string }) => m.name === 'iris'), { loaded: true })
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify?model=evil', payload: SETOSA })
  t.not(res.statusCode, 200)
  t.not(res.statusCode, 500)
})
