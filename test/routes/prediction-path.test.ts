// One prediction through every front lands in the prediction log (read back through
// /api/v1/predictions, with its route, features, class and confidence) and in the inference
// metrics (/metrics: inference_rows_total of that model up by exactly the rows sent).
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import * as grpc from '@grpc/grpc-js'
import { buildTestApp, SETOSA, VERSICOLOR, VIRGINICA } from '../helpers/app.js'
import { directPredict, ROWS } from '../helpers/direct.js'
import { loadServices } from '../../services/protocols/grpc/protos.js'
import { projectRoot } from '../../services/lib/project-root.js'

type App = Awaited<ReturnType<typeof buildTestApp>>
interface LoggedRecord { ts: string, model: string, version: string, features: Record<string, number>, prediction: string, confidence: number, latency_ms: number, route: string }

const TOKEN = 'prediction-path-token'
const auth = { authorization: `Bearer ${TOKEN}` }
const CLASSES = ['setosa', 'versicolor', 'virginica']
const named = (r: number[]) => ({ sepal_length: r[0], sepal_width: r[1], petal_length: r[2], petal_width: r[3] })
/** float32, printed with its meaningful digits, as the gateway answers and logs. */
const f32 = (x: number) => Number(Math.fround(x).toPrecision(7))

/** A gateway whose registry serves iris-onnx@production (the Iris forest) and simple_classifier@production. */
async function gateway (t: Test): Promise<App> {
  const registry = await mkdtemp(join(tmpdir(), 'gw-path-reg-'))
  t.teardown(() => rm(registry, { recursive: true, force: true }))
  await cp(join(projectRoot, 'models', 'registry', 'simple_classifier'), join(registry, 'simple_classifier'), { recursive: true })
  const app = await buildTestApp(t, { ADMIN_TOKEN: TOKEN, REGISTRY_DIR: registry })
  const dir = join(projectRoot, 'models', 'iris', '1')
  const created = await app.inject({
    method: 'POST',
    url: '/api/v1/registry/models/iris-onnx/versions',
    headers: auth,
    payload: { onnx_base64: (await readFile(join(dir, 'model.onnx'))).toString('base64'), metadata: JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8')), metrics: {}, tags: {} }
  })
  t.equal(created.statusCode, 201, created.body)
  const alias = await app.inject({ method: 'PUT', url: '/api/v1/registry/models/iris-onnx/aliases/production', headers: auth, payload: { version: '1' } })
  t.equal(alias.statusCode, 200, alias.body)
  return app
}

/** inference_rows_total of one model version, as /metrics shows it (0 before its first run). */
async function rowsCounted (app: App, model: string, version = '1'): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body
  const line = text.split('\n').find((l) => l.startsWith(`inference_rows_total{model="${model}",version="${version}"} `))
  return line === undefined ? 0 : Number(line.split(' ')[1])
}

async function logged (app: App, model: string): Promise<LoggedRecord[]> {
  const res = await app.inject({ url: `/api/v1/predictions?model=${encodeURIComponent(model)}&format=json&limit=10000` })
  if (res.statusCode === 404) return []
  return res.json().records
}

/**
 * Runs `send` and returns the records it added to `model`'s log, after checking that the metrics
 * counted exactly `rows` more rows (`counted`: 0 for an answer from the cache) and `rows` records.
 */
async function through (t: Test, app: App, model: string, rows: number, send: () => Promise<void>, counted = rows): Promise<LoggedRecord[]> {
  const before = { records: (await logged(app, model)).length, rows: await rowsCounted(app, model) }
  await send()
  const records = await logged(app, model)
  t.equal(await rowsCounted(app, model) - before.rows, counted, `inference_rows_total{model="${model}"} +${counted}`)
  t.equal(records.length - before.records, rows, `${rows} record(s) logged for ${model}`)
  const added = records.slice(before.records)
  for (const r of added) {
    t.match(r.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    t.ok(r.latency_ms >= 0 && r.latency_ms < 60_000, `latency ${r.latency_ms} ms`)
  }
  return added
}

/** The log's view of a classification: class and confidence per row. */
const outcome = (r: LoggedRecord) => ({ model: r.model, version: r.version, route: r.route, features: r.features, prediction: r.prediction, confidence: r.confidence })

/** What a row of the Iris forest logs, from the probabilities a direct onnxruntime run gives. */
function irisOutcome (model: string, route: string, row: number[], probabilities: number[]) {
  const p = probabilities.map(f32)
  const k = p.indexOf(Math.max(...p))
  return { model, version: '1', route, features: named(row), prediction: CLASSES[k], confidence: p[k] }
}

function grpcClient (t: Test, Service: grpc.ServiceClientConstructor, port: number) {
  const c = new Service(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as unknown as Record<string, Function> & grpc.Client
  t.teardown(() => c.close())
  return (method: string, request: unknown) => new Promise<any>((resolve, reject) => {
    c[method](request, { deadline: Date.now() + 10_000 }, (err: grpc.ServiceError | null, res: unknown) => err !== null ? reject(err) : resolve(res))
  })
}

t.test('every front takes the one prediction path: logged with its route, counted in the metrics', async (t) => {
  const app = await gateway(t)
  const direct = await directPredict('iris')
  const services = loadServices()

  await t.test('v1 classify: logged and counted; a cached answer is logged but runs no model', async (t) => {
    let body: any
    const [miss] = await through(t, app, 'iris', 1, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
      t.equal(res.headers['x-cache'], 'MISS')
      body = res.json()
    })
    t.same(outcome(miss), { model: 'iris', version: '1', route: '/api/v1/classify', features: SETOSA, prediction: 'setosa', confidence: body.confidence })
    t.same(outcome(miss), irisOutcome('iris', '/api/v1/classify', ROWS[0], direct.probabilities[0]))
    const [hit] = await through(t, app, 'iris', 1, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
      t.equal(res.headers['x-cache'], 'HIT')
      t.same(res.json(), body, 'the cached answer is the computed one')
    }, 0)
    t.same(outcome(hit), outcome(miss))
  })

  await t.test('v1 classify/batch, classify-detailed, classify-shifted', async (t) => {
    const batch = await through(t, app, 'iris', 3, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: [SETOSA, VERSICOLOR, VIRGINICA] } })
      t.same(res.json().predictions.map((p: { predicted_class: string }) => p.predicted_class), CLASSES)
    })
    t.same(batch.map(outcome), ROWS.map((row, i) => irisOutcome('iris', '/api/v1/classify/batch', row, direct.probabilities[i])))

    let detailed: any
    const [one] = await through(t, app, 'iris', 1, async () => {
      detailed = (await app.inject({ method: 'POST', url: '/api/v1/classify-detailed', payload: VIRGINICA })).json()
    })
    t.same(outcome(one), { model: 'iris', version: '1', route: '/api/v1/classify-detailed', features: VIRGINICA, prediction: 'virginica', confidence: detailed.confidence })

    let shifted: any
    const pair = await through(t, app, 'iris', 2, async () => {
      shifted = (await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: SETOSA })).json()
    })
    t.same(pair.map(outcome), [
      { model: 'iris', version: '1', route: '/api/v1/classify-shifted', features: SETOSA, prediction: shifted.original_prediction.predicted_class, confidence: shifted.original_prediction.confidence },
      { model: 'iris', version: '1', route: '/api/v1/classify-shifted', features: shifted.shifted_features, prediction: shifted.shifted_prediction.predicted_class, confidence: shifted.shifted_prediction.confidence }
    ])
  })

  await t.test('v1 classify-registry: logged under the served registry version', async (t) => {
    let body: any
    const [r] = await through(t, app, 'iris-onnx@registry', 1, async () => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/classify-registry?model_name=iris-onnx', payload: VERSICOLOR })
      t.equal(res.statusCode, 200, res.body)
      body = res.json()
    })
    t.equal(body.model_registry_info.model_version, '1')
    t.same(outcome(r), { model: 'iris-onnx@registry', version: '1', route: '/api/v1/classify-registry', features: VERSICOLOR, prediction: 'versicolor', confidence: body.confidence })
    t.same(outcome(r), irisOutcome('iris-onnx@registry', '/api/v1/classify-registry', ROWS[1], direct.probabilities[1]))
  })

  await t.test('/predict, JSON and form: the sigmoid output logged as the positive class or not', async (t) => {
    let json: any
    const rows = await through(t, app, 'simple_classifier@registry', 2, async () => {
      const res = await app.inject({ method: 'POST', url: '/predict', payload: { instances: [[1.5, 2.3], [-0.8, -1.2]] } })
      t.equal(res.statusCode, 200, res.body)
      json = res.json()
    })
    const [[p1], [p2]] = json.predictions
    t.ok(p1 > 0.5 && p2 < 0.5, `p1=${p1} p2=${p2}`)
    t.same(rows.map(outcome), [
      { model: 'simple_classifier@registry', version: '1', route: '/predict', features: { x1: 1.5, x2: 2.3 }, prediction: 'positive', confidence: p1 },
      { model: 'simple_classifier@registry', version: '1', route: '/predict', features: { x1: -0.8, x2: -1.2 }, prediction: 'not positive', confidence: f32(1 - p2) }
    ])
    let form: any
    const [r] = await through(t, app, 'simple_classifier@registry', 1, async () => {
      form = (await app.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'x1=1.5&x2=2.3' })).json()
    })
    t.same(form.predictions, [[p1]])
    t.same(outcome(r), outcome(rows[0]))
  })

  await t.test('/v2 REST: JSON tensors and the binary extension', async (t) => {
    const json = await through(t, app, 'iris', 3, async () => {
      const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: JSON.stringify({ inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: ROWS }] }) })
      t.equal(res.statusCode, 200, res.body)
    })
    t.same(json.map(outcome), ROWS.map((row, i) => irisOutcome('iris', '/v2/models/:model/infer', row, direct.probabilities[i])))

    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }], outputs: [{ name: 'label' }] }))
    const bytes = Buffer.from(Float32Array.from(ROWS[2]).buffer)
    const binary = await through(t, app, 'iris', 1, async () => {
      const res = await app.inject({ method: 'POST', url: '/v2/models/iris/versions/1/infer', payload: Buffer.concat([header, bytes]), headers: { 'inference-header-content-length': String(header.length) } })
      t.equal(res.statusCode, 200, res.body)
      t.same(res.json().outputs[0].data, [2])
    })
    t.same(binary.map(outcome), [irisOutcome('iris', '/v2/models/:model/versions/:version/infer', ROWS[2], direct.probabilities[2])])
  })

  await t.test('/v2 gRPC ModelInfer', async (t) => {
    const call = grpcClient(t, services.GRPCInferenceService, app.grpcServer!.port!)
    const rows = await through(t, app, 'iris', 2, async () => {
      const res = await call('ModelInfer', { model_name: 'iris_onnx', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [2, 4] }], raw_input_contents: [Buffer.from(Float32Array.from(ROWS.slice(0, 2).flat()).buffer)] })
      t.equal(res.model_version, '1')
    })
    t.same(rows.map(outcome), ROWS.slice(0, 2).map((row, i) => irisOutcome('iris', 'inference.GRPCInferenceService/ModelInfer', row, direct.probabilities[i])))
  })

  await t.test('TF-Serving :predict', async (t) => {
    const rows = await through(t, app, 'iris', 3, async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: { instances: ROWS } })
      t.equal(res.statusCode, 200, res.body)
    })
    t.same(rows.map(outcome), ROWS.map((row, i) => irisOutcome('iris', '/v1/models/:target', row, direct.probabilities[i])))
    const versioned = await through(t, app, 'iris_mlp', 1, async () => {
      const res = await app.inject({ method: 'POST', url: '/v1/models/iris_mlp/versions/1:predict', payload: { inputs: [ROWS[0]] } })
      t.equal(res.statusCode, 200, res.body)
    })
    t.same(versioned.map((r) => [r.route, r.features, r.prediction]), [['/v1/models/:model/versions/:target', named(ROWS[0]), 'setosa']])
  })

  await t.test('seed gRPC iris service: Classify and ClassifyBatch', async (t) => {
    const call = grpcClient(t, services.IrisInferenceService, app.grpcServer!.port!)
    let one: any
    const [r] = await through(t, app, 'iris', 1, async () => { one = await call('Classify', VIRGINICA) })
    t.same(outcome(r), { model: 'iris', version: '1', route: 'iris.InferenceService/Classify', features: VIRGINICA, prediction: 'virginica', confidence: one.confidence })
    const batch = await through(t, app, 'iris', 3, async () => { await call('ClassifyBatch', { instances: ROWS.map(named) }) })
    t.same(batch.map(outcome), ROWS.map((row, i) => irisOutcome('iris', 'iris.InferenceService/ClassifyBatch', row, direct.probabilities[i])))
  })
})
