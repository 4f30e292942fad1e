import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import * as ort from 'onnxruntime-node'
import { buildTestApp, SETOSA, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { projectRoot } from '../../../../services/lib/project-root.js'

const IRIS = join(projectRoot, 'models', 'iris', '1')
const order = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const
type Sample = Record<(typeof order)[number], number>

/** Probabilities straight from onnxruntime-node, without the gateway, to compare against. */
async function directProbabilities (samples: Sample[]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(await readFile(join(IRIS, 'model.onnx')))
  const input = Float32Array.from(samples.flatMap((s) => order.map((f) => s[f])))
  const out = await session.run({ float_input: new ort.Tensor('float32', input, [samples.length, 4]) })
  await session.release()
  const data = out.probabilities.data as Float32Array
  return samples.map((_, i) => Array.from(data.subarray(i * 3, i * 3 + 3)))
}

t.test('POST /api/v1/classify answers in the seed shape with the model\'s own probabilities', async (t) => {
  const app = await buildTestApp(t)
  const [expected] = await directProbabilities([SETOSA])
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.predicted_class, 'setosa')
  t.equal(body.predicted_class_index, 0)
  t.same(body.all_classes, ['setosa', 'versicolor', 'virginica'])
  t.equal(body.probabilities.length, 3)
  body.probabilities.forEach((p: number, i: number) => t.ok(Math.abs(p - expected[i]) <= 1e-6, `p[${i}] ${p} ~ ${expected[i]}`))
  t.equal(body.confidence, Math.max(...body.probabilities))
  t.ok(Math.abs(body.probabilities.reduce((a: number, b: number) => a + b, 0) - 1) <= 1e-5)
  t.same(body.model, { name: 'iris', version: '1' })
  t.same(body.warnings, [])

  const v = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: VIRGINICA })
  t.equal(v.json().predicted_class, 'virginica')
  const mlp = await app.inject({ method: 'POST', url: '/api/v1/classify?model=iris_mlp', payload: VERSICOLOR })
  t.equal(mlp.json().predicted_class, 'versicolor')
  t.same(mlp.json().model, { name: 'iris_mlp', version: '1' })
})

t.test('values outside the training range are served and flagged', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { ...SETOSA, petal_width: 9.5 } })
  t.equal(res.statusCode, 200)
  t.equal(res.json().warnings.length, 1)
  t.match(res.json().warnings[0], /^petal_width=9\.5 is outside the training range \[0\.\d+, 2\.5\]$/)
})

t.test('bad input gets a 4xx naming the problem', async (t) => {
  const app = await buildTestApp(t, { BODY_LIMIT: '1024', MAX_BATCH_INSTANCES: '5' })
  const post = (payload: unknown, url = '/api/v1/classify', headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as string, headers })
  const cases: Array<[string, Awaited<ReturnType<typeof post>>, number, RegExp]> = [
    ['missing field', await post({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4 }), 400, /body must have required property 'petal_width'/],
    ['extra field', await post({ ...SETOSA, colour: 'blue' }), 400, /'colour' is not a known field/],
    ['string value', await post({ ...SETOSA, sepal_length: '5.1' }), 400, /body\/sepal_length must be number/],
    ['non-finite number', await post('{"sepal_length":1e999,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}', '/api/v1/classify', { 'content-type': 'application/json' }), 400, /body\/sepal_length must be number/],
    ['NaN literal', await post('{"sepal_length":NaN,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}', '/api/v1/classify', { 'content-type': 'application/json' }), 400, /JSON/],
    ['wrong content type', await post('sepal_length=5.1', '/api/v1/classify', { 'content-type': 'text/plain' }), 415, /Unsupported Media Type: text\/plain/],
    ['body over the limit', await post({ ...SETOSA, pad: 'x'.repeat(2000) }), 413, /Request body is too large/],
    ['empty batch', await post({ instances: [] }, '/api/v1/classify/batch'), 400, /body\/instances must NOT have fewer than 1 items/],
    ['batch over the maximum', await post({ instances: Array(6).fill(SETOSA) }, '/api/v1/classify/batch'), 400, /body\/instances must NOT have more than 5 items/],
    ['bad row in a batch', await post({ instances: [SETOSA, { ...SETOSA, petal_width: null }] }, '/api/v1/classify/batch'), 400, /body\/instances\/1\/petal_width must be number/],
    ['unknown model', await post(SETOSA, '/api/v1/classify?model=nope'), 404, /Model 'nope' not found/],
    ['unknown version', await post(SETOSA, '/api/v1/classify?version=99'), 404, /Model 'iris' has no version '99'/],
    ['bad version', await post(SETOSA, '/api/v1/classify?version=abc'), 400, /querystring\/version must match pattern/]
  ]
  for (const [name, res, status, message] of cases) {
    t.equal(res.statusCode, status, `${name}: status`)
    t.match(res.json().message, message, `${name}: message`)
    t.type(res.json().code, 'string', `${name}: has a code`)
  }
})

t.test('POST /api/v1/classify/batch runs 32 rows at once, each row its own answer', async (t) => {
  const app = await buildTestApp(t)
  const samples: Sample[] = Array.from({ length: 32 }, (_, i) => [SETOSA, VERSICOLOR, VIRGINICA][i % 3])
    .map((s, i) => ({ ...s, sepal_length: s.sepal_length + (i % 5) * 0.1 }))
  const expected = await directProbabilities(samples)
  const before = app.onnx.get('iris').batcher.stats.executions
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify/batch', payload: { instances: samples } })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.batch_size, 32)
  t.equal(app.onnx.get('iris').batcher.stats.executions - before, 1, 'one session.run for the batch')
  body.predictions.forEach((p: { probabilities: number[], predicted_class: string }, i: number) => {
    t.ok(p.probabilities.every((v, c) => Math.abs(v - expected[i][c]) <= 1e-6), `row ${i} probabilities`)
    t.equal(p.predicted_class, ['setosa', 'versicolor', 'virginica'][i % 3], `row ${i} class`)
  })
})

t.test('200 concurrent callers each get their own answer from fewer model runs', async (t) => {
  const app = await buildTestApp(t)
  const samples: Sample[] = Array.from({ length: 200 }, (_, i) => ({ ...[SETOSA, VERSICOLOR, VIRGINICA][i % 3], sepal_width: 2.5 + (i % 20) * 0.05 }))
  const expected = await directProbabilities(samples)
  const batcher = app.onnx.get('iris').batcher
  const before = batcher.stats.executions
  const results = await Promise.all(samples.map((s) => app.inject({ method: 'POST', url: '/api/v1/classify', payload: s })))
  const runs = batcher.stats.executions - before
  results.forEach((res, i) => {
    const probs = res.json().probabilities as number[]
    if (!probs.every((v, c) => Math.abs(v - expected[i][c]) <= 1e-6)) t.fail(`caller ${i} got another caller's rows`)
  })
  t.equal(results.filter((r) => r.statusCode === 200).length, 200)
  t.ok(runs < 200, `session.run calls (${runs}) < requests (200)`)
  t.comment(`200 requests served by ${runs} session.run calls`)
})

t.test('a full queue answers 503 with Retry-After and loses no accepted request', async (t) => {
  const app = await buildTestApp(t, { BATCH_MAX_QUEUE: '2', BATCH_MAX_SIZE: '1' })
  const results = await Promise.all(Array.from({ length: 30 }, () => app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })))
  const rejected = results.filter((r) => r.statusCode === 503)
  const served = results.filter((r) => r.statusCode === 200)
  t.ok(rejected.length > 0, `${rejected.length} rejected`)
  t.equal(rejected.length + served.length, 30)
  t.equal(rejected[0].headers['retry-after'], '1')
  t.equal(rejected[0].json().code, 'GW_QUEUE_FULL')
  t.match(rejected[0].json().message, /Inference queue for model 'iris' is full/)
  t.ok(served.every((r) => r.json().predicted_class === 'setosa'))
})
