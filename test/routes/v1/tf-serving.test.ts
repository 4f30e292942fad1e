// TF-Serving-compatible REST on the gateway: status, metadata, :predict in both formats, TF
// Serving's error messages and codes.
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { close, directPredict, ROWS } from '../../helpers/direct.js'

const round = (m: number[][]) => m.map((r) => r.map((v) => Number(Math.fround(v).toPrecision(7))))

t.test('model status for the model, a version, and a label', async (t) => {
  const app = await buildTestApp(t)
  const available = { model_version_status: [{ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] }
  t.same((await app.inject({ url: '/v1/models/iris' })).json(), available)
  t.same((await app.inject({ url: '/v1/models/iris_mlp/versions/1' })).json(), available)
  t.same((await app.inject({ url: '/v1/models/iris/labels/stable' })).json(), available, 'status ignores the label, as TF Serving does')
  const noModel = await app.inject({ url: '/v1/models/nope' })
  t.equal(noModel.statusCode, 404)
  t.same(noModel.json(), { error: 'Could not find any versions of model nope' })
  const noVersion = await app.inject({ url: '/v1/models/iris/versions/3' })
  t.equal(noVersion.statusCode, 404)
  t.same(noVersion.json(), { error: 'Could not find version 3 of model iris' })
})

t.test('metadata: SignatureDefs nested twice, int64 sizes as strings', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ url: '/v1/models/iris/versions/1/metadata' })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.same(body.model_spec, { name: 'iris', signature_name: '', version: '1' })
  const sigs = body.metadata.signature_def.signature_def
  t.same(Object.keys(sigs), ['serving_default', 'predict_all', 'classification'])
  t.equal(sigs.classification.method_name, 'tensorflow/serving/classify')
  t.same(sigs.serving_default.inputs, { float_input: { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '-1', name: '' }, { size: '4', name: '' }], unknown_rank: false }, name: 'float_input' } })
  t.same(Object.keys(sigs.serving_default.outputs), ['probabilities'])
  t.same(sigs.predict_all.outputs.label.dtype, 'DT_INT64')
  t.equal(sigs.serving_default.method_name, 'tensorflow/serving/predict')
  t.equal((await app.inject({ url: '/v1/models/iris/labels/latest/metadata' })).json().model_spec.version, '1')
  t.equal((await app.inject({ url: '/v1/models/iris_mlp/metadata' })).statusCode, 200)
})

t.test(':predict in row and columnar formats equals onnxruntime run directly', async (t) => {
  const app = await buildTestApp(t)
  const expected = await directPredict('iris')
  const rows = await app.inject({ method: 'POST', url: '/v1/models/iris:predict', payload: { instances: ROWS } })
  t.equal(rows.statusCode, 200)
  t.same(Object.keys(rows.json()), ['predictions'])
  t.same(rows.json().predictions, round(expected.probabilities), 'one output: a list of values per row')
  t.ok(close(rows.json().predictions, expected.probabilities, 1e-6))

  const named = await app.inject({ method: 'POST', url: '/v1/models/iris/versions/1:predict', payload: { signature_name: 'predict_all', instances: ROWS.map((r) => ({ float_input: r })) } })
  t.same(named.json().predictions.map((p: { label: number }) => p.label), expected.labels, 'several outputs: one object per row')
  t.same(named.json().predictions[0].probabilities, round(expected.probabilities)[0])

  // curl -d sends a form Content-Type; TF Serving reads JSON whatever it says.
  const columns = await app.inject({
    method: 'POST',
    url: '/v1/models/iris/labels/default:predict',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: JSON.stringify({ signature_name: 'predict_all', inputs: { float_input: ROWS } })
  })
  t.same(columns.json(), { outputs: { probabilities: round(expected.probabilities), label: expected.labels } })
  const mlp = await directPredict('iris_mlp')
  const bare = await app.inject({ method: 'POST', url: '/v1/models/iris_mlp:predict', payload: { inputs: ROWS } })
  t.same(bare.json(), { outputs: round(mlp.probabilities) })
})

t.test('errors use {"error"} with TF Serving\'s messages and codes', async (t) => {
  const app = await buildTestApp(t, { PROTOCOL_JSON_BODY_LIMIT: '1024', MAX_BATCH_INSTANCES: '5' })
  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: typeof payload === 'string' ? payload : JSON.stringify(payload), headers })
  const cases: Array<[Awaited<ReturnType<typeof post>>, number, string]> = [
    [await post('/v1/models/iris:predict', { instances: ROWS, inputs: ROWS }), 400, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys to exist"],
    [await post('/v1/models/iris:predict', {}), 400, "Missing 'inputs' or 'instances' key"],
    [await post('/v1/models/iris:predict', { instances: 3 }), 400, "Expecting 'instances' to be an list/array"],
    [await post('/v1/models/iris:predict', { instances: [] }), 400, "No values in 'instances' array"],
    [await post('/v1/models/iris:predict', { instances: ROWS, signature_name: 'other' }), 400, 'Serving signature name: "other" not found in signature def'],
    [await post('/v1/models/iris:predict', { instances: [[1, 2]] }), 400, "input 'float_input' row 0 must be 4 numbers, got [1,2]"],
    [await post('/v1/models/iris:predict', { instances: [{ x: [1, 2, 3, 4] }] }), 400, "the model has one input, 'float_input'; got 'x'"],
    [await post('/v1/models/iris:predict', { instances: Array(6).fill(ROWS[0]) }), 400, 'at most 5 rows per request, got 6'],
    [await post('/v1/models/iris:predict', { instances: ROWS, extra: 1 }), 400, "body must NOT have additional properties: 'extra' is not a known field"],
    [await post('/v1/models/iris:predict', '{"instances": ['), 400, 'JSON Parse error: Unexpected end of JSON input'],
    [await post('/v1/models/iris/labels/canary:predict', { instances: ROWS }), 400, 'Unrecognized servable version label: canary'],
    [await post('/v1/models/nope:predict', { instances: ROWS }), 404, 'Servable not found for request: Latest(nope)'],
    [await post('/v1/models/iris/versions/4:predict', { instances: ROWS }), 404, 'Servable not found for request: Specific(iris, 4)'],
    [await post('/v1/models/iris:classify', { instances: ROWS }), 400, "Missing 'examples' key"],
    [await post('/v1/models/iris:predict', { instances: Array(60).fill(ROWS[0]) }), 413, 'Request body is too large'],
    [await app.inject({ method: 'DELETE', url: '/v1/models/iris' }), 400, 'Malformed request: DELETE /v1/models/iris']
  ]
  for (const [res, status, message] of cases) {
    t.equal(res.statusCode, status, message)
    t.same(res.json(), { error: message })
  }
})
