// Triton's classification and model repository extensions on the V2 REST front, and the
// consistency rules every /v2 answer keeps (config dims, statistics over every front, 405 Allow,
// the {"error"} shape on 404 / 414, a plain message for an empty body).
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { directPredict, ROWS } from '../../helpers/direct.js'

const CLASSES = ['setosa', 'versicolor', 'virginica']
const body = (extra: Record<string, unknown> = {}) => JSON.stringify({ inputs: [{ name: 'float_input', shape: [3, 4], datatype: 'FP32', data: ROWS }], ...extra })

/** What Triton prints for the top `k` of each row: std::to_string of the value (6 decimals), index, label. */
function expectedTop (probabilities: number[][], k: number): string[] {
  return probabilities.flatMap((row) => row.map((p, i) => [p, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]).slice(0, k)
    .map(([p, i]) => `${p.toFixed(6)}:${i}:${CLASSES[i]}`))
}

t.test('classification: class_count on an output gives BYTES "score:index:label", best first (JSON and binary)', async (t) => {
  const app = await buildTestApp(t)
  const expected = await directPredict('iris')
  const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body({ outputs: [{ name: 'probabilities', parameters: { classification: 2 } }, { name: 'label' }] }) })
  t.equal(res.statusCode, 200)
  const [probs, label] = res.json().outputs
  t.same({ name: probs.name, datatype: probs.datatype, shape: probs.shape }, { name: 'probabilities', datatype: 'BYTES', shape: [3, 2] })
  t.same(probs.data, expectedTop(expected.probabilities, 2))
  t.match(probs.data[0], /^1\.000000:0:setosa$|^0\.99\d{4}:0:setosa$/, 'row 0: setosa first')
  t.match(probs.data[4], /:2:virginica$/, 'row 2: virginica first')
  t.same(label.data, [0, 1, 2], 'an output without class_count is unchanged')

  // More classes than the model has: capped at 3. The label output (INT64, no labels) ranks its one value.
  const capped = (await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body({ outputs: [{ name: 'probabilities', parameters: { classification: 9 } }, { name: 'label', parameters: { classification: 1 } }] }) })).json()
  t.same(capped.outputs[0].shape, [3, 3])
  t.same(capped.outputs[1], { name: 'label', datatype: 'BYTES', shape: [3, 1], data: ['0:0', '1:0', '2:0'] })

  // Binary: each string is a 4-byte little-endian length and its bytes, as tritonclient reads BYTES.
  const header = Buffer.from(body({ outputs: [{ name: 'probabilities', parameters: { classification: 1, binary_data: true } }] }))
  const bin = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: header, headers: { 'inference-header-content-length': String(header.length) } })
  t.equal(bin.headers['content-type'], 'application/octet-stream')
  const h = Number(bin.headers['inference-header-content-length'])
  const json = JSON.parse(bin.rawPayload.subarray(0, h).toString())
  t.same(json.outputs[0].datatype, 'BYTES')
  const strings: string[] = []
  for (let at = h; at < bin.rawPayload.length;) {
    const n = bin.rawPayload.readUInt32LE(at)
    strings.push(bin.rawPayload.subarray(at + 4, at + 4 + n).toString())
    at += 4 + n
  }
  t.same(strings, expectedTop(expected.probabilities, 1))
  t.equal(json.outputs[0].parameters.binary_data_size, bin.rawPayload.length - h)

  const bad = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body({ outputs: [{ name: 'probabilities', parameters: { classification: -1 } }] }) })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: "output 'probabilities' parameter 'classification' must be a non-negative integer, got -1" })
})

t.test('repository load / unload: admin token, index, readiness and inference follow', async (t) => {
  const app = await buildTestApp(t, { ADMIN_TOKEN: 'repository-admin-token' })
  const admin = { authorization: 'Bearer repository-admin-token' }
  const post = (url: string, headers: Record<string, string> = admin, payload?: string) => app.inject({ method: 'POST', url, headers, payload })
  const index = async () => (await post('/v2/repository/index')).json()

  const anonymous = await post('/v2/repository/models/iris_mlp/unload', {})
  t.equal(anonymous.statusCode, 401)
  t.same(anonymous.json(), { error: 'A valid admin bearer token is required' })
  t.equal((await post('/v2/repository/models/iris_mlp/unload', { authorization: 'Bearer wrong' })).statusCode, 401)

  const unload = await post('/v2/repository/models/iris_mlp/unload', admin, '{"parameters": {"unload_dependents": false}}')
  t.equal(unload.statusCode, 200)
  t.equal(unload.body, '', 'an empty body, as Triton answers')
  t.same((await index()).find((m: { name: string }) => m.name === 'iris_mlp'), { name: 'iris_mlp', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' })
  t.equal((await post('/v2/repository/index', admin, '{"ready": true}')).json().some((m: { name: string }) => m.name === 'iris_mlp'), false, 'not among the ready ones')
  const ready = await app.inject({ url: '/v2/models/iris_mlp/ready' })
  t.equal(ready.statusCode, 404)
  t.same(ready.json(), { error: "Request for unknown model: 'iris_mlp' has no available versions (unloaded; load it with POST /v2/repository/models/iris_mlp/load)" })
  const infer = await app.inject({ method: 'POST', url: '/v2/models/iris_mlp/infer', payload: body() })
  t.equal(infer.statusCode, 404, 'as Triton answers for an unloaded model')
  t.equal((await app.inject({ url: '/v2/health/ready' })).statusCode, 200, 'the default model still serves')
  t.equal((await post('/v2/repository/models/iris_mlp/unload')).statusCode, 200, 'unloading twice is fine')

  t.equal((await post('/v2/repository/models/iris_mlp/load', admin, '{}')).statusCode, 200)
  t.same((await index()).find((m: { name: string }) => m.name === 'iris_mlp'), { name: 'iris_mlp', version: '1', state: 'READY' })
  t.equal((await app.inject({ method: 'POST', url: '/v2/models/iris_mlp/infer', payload: body() })).json().outputs[1].data.length, 3, 'serves again')

  // The default model (and its iris_onnx alias) out of service: the server is not ready.
  t.equal((await post('/v2/repository/models/iris_onnx/unload')).statusCode, 200)
  t.same(await index(), [
    { name: 'iris', version: '1', state: 'UNAVAILABLE', reason: 'unloaded' },
    { name: 'iris_mlp', version: '1', state: 'READY' }
  ])
  const notReady = await app.inject({ url: '/v2/health/ready' })
  t.equal(notReady.statusCode, 503)
  t.same(notReady.json(), { ready: false })
  t.equal((await post('/v2/repository/models/iris/load')).statusCode, 200)
  t.same((await app.inject({ url: '/v2/health/ready' })).json(), { ready: true })

  const unknown = await post('/v2/repository/models/nope/load')
  t.equal(unknown.statusCode, 404)
  t.same(unknown.json(), { error: "Model 'nope' not found" })
  t.equal((await post('/v2/repository/models/nope/unload')).statusCode, 404)
  const override = await post('/v2/repository/models/iris/load', admin, '{"parameters": {"config": "{}"}}')
  t.equal(override.statusCode, 501)
  t.same(override.json(), { error: "load parameter 'config' is not supported: the gateway loads the model directory as it is on disk" })
  const notJson = await post('/v2/repository/models/iris/load', admin, '[1]')
  t.equal(notJson.statusCode, 400)
  t.same(notJson.json(), { error: 'load body must be a JSON object' })
})

t.test('repository load / unload are closed without ADMIN_TOKEN (403)', async (t) => {
  const app = await buildTestApp(t, { ADMIN_TOKEN: '' })
  const res = await app.inject({ method: 'POST', url: '/v2/repository/models/iris/unload', headers: { authorization: 'Bearer x' } })
  t.equal(res.statusCode, 403)
  t.same(res.json(), { error: 'Admin routes are disabled: ADMIN_TOKEN is not set on this gateway' })
})

t.test('config dims equal metadata shapes and response shapes', async (t) => {
  const app = await buildTestApp(t)
  const config = (await app.inject({ url: '/v2/models/iris/config' })).json()
  const meta = (await app.inject({ url: '/v2/models/iris' })).json()
  const res = (await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body() })).json()
  for (const [k, out] of config.output.entries()) {
    // Triton: metadata shape = [-1] (max_batch_size > 0) + dims, or + reshape.shape when the config reshapes.
    const shape = [-1, ...(out.reshape?.shape ?? out.dims)]
    t.same(meta.outputs[k].shape, shape, `${out.name}: metadata`)
    t.same(res.outputs[k].shape, [3, ...shape.slice(1)], `${out.name}: a 3-row response`)
  }
  t.same(config.output[1], { name: 'label', data_type: 'TYPE_INT64', dims: [1], reshape: { shape: [] } })
  t.same(meta.inputs[0].shape, [-1, ...config.input[0].dims])
})

t.test('statistics count every front through the shared prediction path', async (t) => {
  const app = await buildTestApp(t, { CACHE_ENABLED: 'false' })
  const stats = async () => (await app.inject({ url: '/v2/models/iris_mlp/stats' })).json().model_stats[0]
  const zero = await stats()
  t.match(zero, { last_inference: 0, inference_count: 0 })
  t.same(zero.inference_stats.success, { count: 0, ns: 0 })

  const before = Date.now()
  const sample = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris_mlp', payload: sample })).statusCode, 200)
  let s = await stats()
  t.ok(s.last_inference >= before, 'an /api/v1 classification moves last_inference')
  t.equal(s.inference_stats.success.count, 1)
  t.equal(s.inference_count, 1)

  t.equal((await app.inject({ method: 'POST', url: '/v1/models/iris_mlp:predict', payload: { instances: ROWS } })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/v2/models/iris_mlp/infer', payload: body() })).statusCode, 200)
  s = await stats()
  t.equal(s.inference_stats.success.count, 3, 'v1 classify, TF Serving predict, V2 infer')
  t.equal(s.inference_count, 7, '1 + 3 + 3 rows')
  t.equal(s.inference_stats.fail.count, 0)
  t.ok(s.inference_stats.success.ns > 0)
})

t.test('a refused request counts as a failure in the statistics', async (t) => {
  const app = await buildTestApp(t, { BATCH_MAX_QUEUE: '1', CACHE_ENABLED: 'false' })
  const answers = await Promise.all(Array.from({ length: 20 }, () => app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body() })))
  const refused = answers.filter((r) => r.statusCode === 503).length
  const s = (await app.inject({ url: '/v2/models/iris/stats' })).json().model_stats[0]
  t.ok(refused > 0, `${refused} refused`)
  t.equal(s.inference_stats.fail.count, refused)
  t.equal(s.inference_stats.success.count, 20 - refused)
})

t.test('every /v2 error has the {"error"} shape: 405 with Allow, 404, 414, an empty body', async (t) => {
  const app = await buildTestApp(t)
  const wrong = await app.inject({ method: 'GET', url: '/v2/models/iris/infer' })
  t.equal(wrong.statusCode, 405)
  t.equal(wrong.headers.allow, 'POST')
  t.same(wrong.json(), { error: 'Method Not Allowed' })
  const live = await app.inject({ method: 'DELETE', url: '/v2/health/live' })
  t.equal(live.statusCode, 405)
  t.equal(live.headers.allow, 'GET, HEAD')
  const nowhere = await app.inject({ url: '/v2/nowhere' })
  t.equal(nowhere.statusCode, 404)
  t.same(nowhere.json(), { error: 'Not Found' })

  const long = await app.inject({ url: `/v2/models/${'m'.repeat(150)}/ready` })
  t.equal(long.statusCode, 414)
  t.same(long.json(), { error: 'URI Too Long: a path segment (such as the model name) exceeds the 100-character limit' })
  const gateway = await app.inject({ url: `/api/v1/registry/models/${'m'.repeat(150)}/versions` })
  t.equal(gateway.statusCode, 414)
  t.match(gateway.json(), { statusCode: 414, code: 'FST_ERR_MAX_PARAM_LENGTH' }, 'outside /v2, the gateway\'s own shape')

  const empty = await app.inject({ method: 'POST', url: '/v2/models/iris/infer' })
  t.equal(empty.statusCode, 400)
  t.match(empty.json(), { error: /^the request body is empty: send the inference request as JSON/ })
})
