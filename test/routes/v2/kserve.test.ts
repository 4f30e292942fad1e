// KServe V2 REST on the gateway through app.inject: every endpoint, JSON and binary tensors, the
// {"error": "..."} shape and Triton's status codes.
import t, { type Test } from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { close, directPredict, ROWS } from '../../helpers/direct.js'

const infer = (inputs: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ inputs, ...extra })
const fp32 = (rows: number[][]) => ({ name: 'float_input', shape: [rows.length, 4], datatype: 'FP32', data: rows })

/** Splits a binary-extension answer into its JSON header and the float32/int64 outputs. */
function readBinary (t: Test, body: Buffer, headerLength: number) {
  const header = JSON.parse(body.subarray(0, headerLength).toString())
  let offset = headerLength
  const tensors: Record<string, number[]> = {}
  for (const o of header.outputs) {
    const size = o.parameters.binary_data_size
    const bytes = body.subarray(offset, offset + size)
    offset += size
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    tensors[o.name] = o.datatype === 'FP32'
      ? Array.from({ length: size / 4 }, (_, i) => view.getFloat32(i * 4, true))
      : Array.from({ length: size / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)))
  }
  t.equal(offset, body.length, 'no bytes after the last output')
  return { header, tensors }
}

const chunk = (flat: number[], k: number) => Array.from({ length: flat.length / k }, (_, r) => flat.slice(r * k, (r + 1) * k))

t.test('server metadata, liveness, readiness and the repository index', async (t) => {
  const app = await buildTestApp(t)
  const meta = await app.inject({ url: '/v2' })
  t.same(meta.json(), { name: 'inference-gateway', version: '0.1.0', extensions: ['binary_tensor_data', 'classification', 'model_configuration', 'statistics', 'model_repository'] })
  t.same((await app.inject({ url: '/v2/health/live' })).json(), { live: true })
  const ready = await app.inject({ url: '/v2/health/ready' })
  t.equal(ready.statusCode, 200)
  t.same(ready.json(), { ready: true })
  const index = await app.inject({ method: 'POST', url: '/v2/repository/index' })
  t.same(index.json(), [
    { name: 'iris', version: '1', state: 'READY' },
    { name: 'iris_mlp', version: '1', state: 'READY' },
    { name: 'iris_onnx', version: '1', state: 'READY' }
  ], 'a bare array, with the iris_onnx alias of the default model')
  const onlyReady = await app.inject({ method: 'POST', url: '/v2/repository/index', payload: '{"ready": true}' })
  t.equal(onlyReady.json().length, 3)
  const bad = await app.inject({ method: 'POST', url: '/v2/repository/index', payload: '{"ready": "yes"}' })
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: 'repository index "ready" must be a boolean' })
})

t.test('readiness is 503 {"ready": false} without the default model', async (t) => {
  const app = await buildTestApp(t, { DEFAULT_MODEL: 'absent' })
  const res = await app.inject({ url: '/v2/health/ready' })
  t.equal(res.statusCode, 503)
  t.same(res.json(), { ready: false })
})

t.test('model metadata, readiness and config, with and without a version, and for the alias', async (t) => {
  const app = await buildTestApp(t)
  const meta = await app.inject({ url: '/v2/models/iris' })
  t.same(meta.json(), {
    name: 'iris',
    versions: ['1'],
    platform: 'onnxruntime_onnx',
    inputs: [{ name: 'float_input', datatype: 'FP32', shape: [-1, 4] }],
    outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }, { name: 'label', datatype: 'INT64', shape: [-1] }]
  })
  t.same((await app.inject({ url: '/v2/models/iris_onnx/versions/1' })).json().versions, ['1'])
  t.same((await app.inject({ url: '/v2/models/iris_mlp/versions/1/ready' })).json(), { name: 'iris_mlp', ready: true })
  const missing = await app.inject({ url: '/v2/models/nope/ready' })
  t.equal(missing.statusCode, 404)
  t.same(missing.json(), { error: "Model 'nope' not found" })
  const noVersion = await app.inject({ url: '/v2/models/iris/versions/9' })
  t.equal(noVersion.statusCode, 404)
  t.same(noVersion.json(), { error: "Model 'iris' has no version '9'" })
  const config = (await app.inject({ url: '/v2/models/iris_onnx/config' })).json()
  t.match(config, {
    name: 'iris_onnx',
    platform: 'onnxruntime_onnx',
    max_batch_size: 1000,
    input: [{ name: 'float_input', data_type: 'TYPE_FP32', dims: [4] }],
    output: [{ name: 'probabilities', data_type: 'TYPE_FP32', dims: [3] }, { name: 'label', data_type: 'TYPE_INT64', dims: [1], reshape: { shape: [] } }],
    dynamic_batching: { max_queue_delay_microseconds: 0, default_queue_policy: { max_queue_size: 2048 } }
  })
  const unknownPath = await app.inject({ url: '/v2/models/iris/nothing' })
  t.equal(unknownPath.statusCode, 404)
  t.same(unknownPath.json(), { error: 'Not Found' })
  const wrongMethod = await app.inject({ method: 'GET', url: '/v2/models/iris/versions/1/infer' })
  t.equal(wrongMethod.statusCode, 405)
  t.same(wrongMethod.json(), { error: 'Method Not Allowed' })
  t.equal((await app.inject({ method: 'DELETE', url: '/v2/health/live' })).statusCode, 405)
})

t.test('JSON inference equals onnxruntime run directly, with no Content-Type and nested or flat data', async (t) => {
  const app = await buildTestApp(t)
  for (const model of ['iris', 'iris_mlp']) {
    const expected = await directPredict(model)
    const res = await app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: infer([fp32(ROWS)], { id: 'a-1' }) })
    t.equal(res.statusCode, 200)
    t.match(res.headers['content-type'], /application\/json/)
    const body = res.json()
    t.equal(body.model_name, model)
    t.equal(body.model_version, '1')
    t.equal(body.id, 'a-1')
    t.same(body.outputs.map((o: { name: string, datatype: string, shape: number[] }) => [o.name, o.datatype, o.shape]), [['probabilities', 'FP32', [3, 3]], ['label', 'INT64', [3]]])
    t.ok(close(chunk(body.outputs[0].data, 3), expected.probabilities), `${model}: probabilities equal the direct run`)
    t.same(body.outputs[1].data, expected.labels)
  }
  t.same(await directPredict('iris').then((p) => p.labels), [0, 1, 2], 'the three samples are setosa, versicolor, virginica')
  const flat = await app.inject({ method: 'POST', url: '/v2/models/iris_onnx/versions/1/infer', payload: infer([{ ...fp32(ROWS), data: ROWS.flat() }], { outputs: [{ name: 'label' }] }) })
  t.same(flat.json(), { model_name: 'iris_onnx', model_version: '1', outputs: [{ name: 'label', datatype: 'INT64', shape: [3], data: [0, 1, 2] }] })
})

t.test('binary tensor extension: binary input, binary outputs when asked, raw single-input bodies', async (t) => {
  const app = await buildTestApp(t)
  const expected = await directPredict('iris')
  const header = Buffer.from(infer([{ name: 'float_input', shape: [3, 4], datatype: 'FP32', parameters: { binary_data_size: 48 } }], { parameters: { binary_data_output: true } }))
  const bytes = Buffer.from(Float32Array.from(ROWS.flat()).buffer)
  const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: Buffer.concat([header, bytes]), headers: { 'inference-header-content-length': String(header.length) } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/octet-stream')
  const { header: json, tensors } = readBinary(t, res.rawPayload, Number(res.headers['inference-header-content-length']))
  t.same(json.outputs.map((o: { parameters: unknown }) => o.parameters), [{ binary_data_size: 36 }, { binary_data_size: 24 }])
  t.ok(close(chunk(tensors.probabilities, 3), expected.probabilities))
  t.same(tensors.label, [0, 1, 2])

  // Per-output binary_data overrides binary_data_output: probabilities as JSON, label binary.
  const mixed = Buffer.from(infer([{ name: 'float_input', shape: [3, 4], datatype: 'FP32', parameters: { binary_data_size: 48 } }], {
    parameters: { binary_data_output: true }, outputs: [{ name: 'probabilities', parameters: { binary_data: false } }, { name: 'label' }]
  }))
  const m = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: Buffer.concat([mixed, bytes]), headers: { 'inference-header-content-length': String(mixed.length) } })
  const mh = Number(m.headers['inference-header-content-length'])
  const mj = JSON.parse(m.rawPayload.subarray(0, mh).toString())
  t.ok(close(chunk(mj.outputs[0].data, 3), expected.probabilities), 'JSON output beside a binary one')
  t.same(mj.outputs[1].parameters, { binary_data_size: 24 })
  t.equal(m.rawPayload.length, mh + 24)

  const raw = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: bytes.subarray(0, 16), headers: { 'inference-header-content-length': '0' } })
  t.equal(raw.statusCode, 200)
  const r = readBinary(t, raw.rawPayload, Number(raw.headers['inference-header-content-length']))
  t.same(r.tensors.label, [0], 'a raw body is one row of the single input')
})

t.test('bad requests get {"error"} with 400, 404 or 413', async (t) => {
  const app = await buildTestApp(t, { PROTOCOL_BODY_LIMIT: '2048' })
  const post = (payload: string | Buffer, headers: Record<string, string> = {}, model = 'iris') =>
    app.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload, headers })
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, string | RegExp]> = [
    ['wrong shape', await post(infer([{ name: 'float_input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }])), 400, "unexpected shape for input 'float_input' for model 'iris'. Expected [-1,4], got [1,3]"],
    ['element count', await post(infer([{ ...fp32(ROWS), shape: [2, 4] }])), 400, "unexpected number of elements for inference input 'float_input': got 12, expected 8 from its shape"],
    ['datatype', await post(infer([{ ...fp32(ROWS), datatype: 'FP64' }])), 400, "inference input 'float_input' data-type is 'FP64', but model 'iris' expects 'FP32'"],
    ['input name', await post(infer([{ ...fp32(ROWS), name: 'x' }])), 400, "unexpected inference input 'x' for model 'iris', expecting 'float_input'"],
    ['output name', await post(infer([fp32(ROWS)], { outputs: [{ name: 'y' }] })), 400, "unexpected inference output 'y' for model 'iris'"],
    ['not a number', await post(infer([{ ...fp32([[1, 2, 3, 'x' as unknown as number]]) }])), 400, "inference input 'float_input' element 3 is not a finite number"],
    ['no data', await post(infer([{ name: 'float_input', shape: [1, 4], datatype: 'FP32' }])), 400, "input 'float_input' must set exactly one of 'data' or 'parameters.binary_data_size'"],
    ['schema', await post(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], data: [1, 2, 3, 4] }] })), 400, "body/inputs/0 must have required property 'datatype'"],
    ['extra field', await post(JSON.stringify({ inputs: [fp32(ROWS)], colour: 1 })), 400, /must NOT have additional properties/],
    ['bad JSON', await post('{"inputs": ['), 400, /^failed to parse the request JSON/],
    ['header length', await post('{}', { 'inference-header-content-length': '99' }), 400, 'Inference-Header-Content-Length 99 is not between 0 and the body length 2'],
    ['short binary', await post(Buffer.from(infer([{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }])), { 'inference-header-content-length': String(infer([{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }]).length) }), 400, "input 'float_input' binary_data_size 16 exceeds the 0 bytes left in the request body"],
    ['unknown model', await post(infer([fp32(ROWS)]), {}, 'nope'), 404, "Model 'nope' not found"],
    ['too large', await post(infer([fp32(Array.from({ length: 200 }, () => ROWS[0]))])), 413, 'Request body is larger than 2048 bytes (PROTOCOL_BODY_LIMIT)']
  ]
  for (const [what, res, status, message] of cases) {
    t.equal(res.statusCode, status, `${what}: ${status}`)
    t.same(Object.keys(res.json()), ['error'], `${what}: only "error"`)
    if (typeof message === 'string') t.equal(res.json().error, message, what)
    else t.match(res.json().error, message, what)
  }
})

t.test('statistics count the requests and rows served through the batcher', async (t) => {
  const app = await buildTestApp(t)
  const before = Date.now()
  await app.inject({ method: 'POST', url: '/v2/models/iris_mlp/infer', payload: infer([fp32(ROWS)]) })
  await app.inject({ method: 'POST', url: '/v2/models/iris_mlp/infer', payload: infer([fp32(ROWS.slice(0, 1))]) })
  const stats = (await app.inject({ url: '/v2/models/iris_mlp/versions/1/stats' })).json()
  t.equal(stats.model_stats.length, 1)
  const s = stats.model_stats[0]
  t.match(s, { name: 'iris_mlp', version: '1', inference_count: 4, execution_count: 2 })
  t.ok(s.last_inference >= before, 'last_inference is a recent epoch in ms')
  t.equal(s.inference_stats.success.count, 2)
  t.equal(s.inference_stats.fail.count, 0)
  t.ok(s.inference_stats.compute_infer.ns > 0)
  const all = (await app.inject({ url: '/v2/models/stats' })).json()
  t.same(all.model_stats.map((m: { name: string }) => m.name), ['iris', 'iris_mlp'])
  t.equal(all.model_stats[0].inference_count, 0)
})

t.test('a full batching queue answers 503 {"error"} with Retry-After, as Triton does', async (t) => {
  const app = await buildTestApp(t, { BATCH_MAX_QUEUE: '1' })
  const answers = await Promise.all(Array.from({ length: 30 }, () => app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([fp32(ROWS)]) })))
  const refused = answers.filter((r) => r.statusCode === 503)
  t.ok(answers.some((r) => r.statusCode === 200), 'the first requests are served')
  t.ok(refused.length > 0, `${refused.length} of 30 refused`)
  t.same(refused[0].json(), { error: "Inference queue for model 'iris' is full (1 requests waiting); retry later" })
  t.equal(refused[0].headers['retry-after'], '1')
  t.equal(answers.filter((r) => r.statusCode !== 503 && r.statusCode !== 200).length, 0)
})

t.test('V2 and /api/v1/classify requests share the adaptive batcher (one model run)', async (t) => {
  // A 1 s queue delay lets both requests, sent together, join one batch even on a busy machine.
  const app = await buildTestApp(t, { BATCH_MAX_QUEUE_DELAY_MICROS: '1000000' })
  const [v2, classify] = await Promise.all([
    app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: infer([fp32(ROWS.slice(0, 2))], { outputs: [{ name: 'label' }] }) }),
    app.inject({ method: 'POST', url: '/api/v1/classify', payload: { sepal_length: 6.3, sepal_width: 3.3, petal_length: 6.0, petal_width: 2.5 } })
  ])
  t.same(v2.json().outputs[0].data, [0, 1])
  t.equal(classify.json().predicted_class, 'virginica')
  const s = (await app.inject({ url: '/v2/models/iris/stats' })).json().model_stats[0]
  t.equal(s.inference_count, 3, 'three rows')
  t.equal(s.execution_count, 1, 'in one model run')
})

t.test('compressed requests (gzip, deflate) are inflated; other encodings are 501', async (t) => {
  const { gzipSync, deflateSync } = await import('node:zlib')
  const app = await buildTestApp(t, { PROTOCOL_BODY_LIMIT: '2048' })
  const body = infer([fp32(ROWS)], { outputs: [{ name: 'label' }] })
  for (const [encoding, payload] of [['gzip', gzipSync(body)], ['deflate', deflateSync(body)]] as const) {
    const res = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload, headers: { 'content-encoding': encoding } })
    t.same(res.json().outputs[0].data, [0, 1, 2], encoding)
  }
  const br = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: body, headers: { 'content-encoding': 'br' } })
  t.equal(br.statusCode, 501)
  t.equal(br.headers['accept-encoding'], 'gzip, deflate')
  t.same(br.json(), { error: "unsupported Content-Encoding 'br'; use gzip or deflate" })
  const bomb = gzipSync(infer([{ ...fp32([]), shape: [1, 4], data: Array(2000).fill(1) }]))
  t.ok(bomb.length < 2048, 'small on the wire')
  const big = await app.inject({ method: 'POST', url: '/v2/models/iris/infer', payload: bomb, headers: { 'content-encoding': 'gzip' } })
  t.equal(big.statusCode, 413, 'the limit applies to the inflated body')
  t.same(big.json(), { error: 'Request body is too large' })
})
