// TF Serving's Classify and Regress REST APIs on the gateway: tf.Example JSON ("examples", with an
// optional "context"), {"results": ...} as TF Serving answers, and its 400s.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp } from '../../helpers/app.js'
import { directPredict, ROWS } from '../../helpers/direct.js'
import { runPythonJson } from '../../helpers/python.js'
import { projectRoot } from '../../../services/lib/project-root.js'

const NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const example = (row: number[]) => Object.fromEntries(NAMES.map((n, i) => [n, row[i]]))
const f32 = (v: number) => Number(Math.fround(v).toPrecision(7))

t.test(':classify answers every class with its score per example, as TF Serving does', async (t) => {
  const app = await buildTestApp(t)
  const expected = await directPredict('iris')
  const res = await app.inject({ method: 'POST', url: '/v1/models/iris:classify', payload: { signature_name: 'classification', examples: ROWS.map(example) } })
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    results: expected.probabilities.map((row) => row.map((p, i) => [['setosa', 'versicolor', 'virginica'][i], f32(p)]))
  })
  // Values as lists (float_list), features shared through "context", one feature holding the whole row.
  const withContext = await app.inject({
    method: 'POST',
    url: '/v1/models/iris/versions/1:classify',
    payload: { context: { sepal_length: 6.3, sepal_width: [3.3] }, examples: [{ petal_length: [6.0], petal_width: 2.5 }, { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] }
  })
  const best = (r: Array<[string, number]>) => r.reduce((a, b) => b[1] > a[1] ? b : a)[0]
  t.same(withContext.json().results.map(best), ['virginica', 'setosa'], 'an example\'s own features override the context')
  const whole = await app.inject({ method: 'POST', url: '/v1/models/iris/labels/latest:classify', payload: { examples: [{ float_input: ROWS[1] }] } })
  t.equal(best(whole.json().results[0]), 'versicolor')
})

t.test(':classify and :regress errors: missing features named, a classifier refuses :regress', async (t) => {
  const app = await buildTestApp(t, { MAX_BATCH_INSTANCES: '4' })
  const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object })
  const cases: Array<[Awaited<ReturnType<typeof post>>, number, string]> = [
    [await post('/v1/models/iris:classify', { examples: [example(ROWS[0]), { sepal_length: 5, sepal_width: 3, petal_length: 1 }] }), 400, "examples[1]: feature 'petal_width' (data type: float) is required but could not be found"],
    [await post('/v1/models/iris:classify', { examples: [{ ...example(ROWS[0]), sepal_width: 'wide' }] }), 400, 'examples[0]: feature \'sepal_width\' must be a finite number, got "wide"'],
    [await post('/v1/models/iris:classify', { examples: [{ ...example(ROWS[0]), sepal_width: [1, 2] }] }), 400, "examples[0]: feature 'sepal_width' must hold 1 float, got 2 values"],
    [await post('/v1/models/iris:classify', { examples: [{ float_input: [1, 2] }] }), 400, "examples[0]: feature 'float_input' must hold 4 floats, got 2 values"],
    [await post('/v1/models/iris:classify', { examples: [3] }), 400, 'examples[0] must be an object of features, got 3'],
    [await post('/v1/models/iris:classify', { instances: ROWS }), 400, "Missing 'examples' key"],
    [await post('/v1/models/iris:classify', { examples: {} }), 400, "Expecting 'examples' to be an list/array"],
    [await post('/v1/models/iris:classify', { examples: [] }), 400, "No values in 'examples' array"],
    [await post('/v1/models/iris:classify', { examples: Array(5).fill(example(ROWS[0])) }), 400, 'at most 4 examples per request, got 5'],
    [await post('/v1/models/iris:classify', { context: [1], examples: [example(ROWS[0])] }), 400, "'context' must be an object of features"],
    [await post('/v1/models/iris:classify', { signature_name: 'regression', examples: [example(ROWS[0])] }), 400, 'Serving signature name: "regression" not found in signature def'],
    [await post('/v1/models/iris:regress', { examples: [example(ROWS[0])] }), 400, 'Expected regression signature method_name to be tensorflow/serving/regress. Was: tensorflow/serving/classify'],
    [await post('/v1/models/nope:classify', { examples: [example(ROWS[0])] }), 404, 'Servable not found for request: Latest(nope)'],
    [await post('/v1/models/iris:classify', { examples: [example(ROWS[0])], colour: 1 }), 400, "body must NOT have additional properties: 'colour' is not a known field"]
  ]
  for (const [res, status, message] of cases) {
    t.equal(res.statusCode, status, message)
    t.same(res.json(), { error: message })
  }
})

t.test(':regress on a regressor gives one value per example; :classify on it is refused', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'gw-regress-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const sk = await runPythonJson<{ rows: number[][], predict: number[] }>(join(projectRoot, 'test', 'python', 'sklearn_regressor.py'), [dir])
  const app = await buildTestApp(t, { MODELS_DIR: dir, DEFAULT_MODEL: 'petal_width' })
  const examples = sk.rows.map((r) => ({ sepal_length: r[0], sepal_width: r[1], petal_length: r[2] }))
  const res = await app.inject({ method: 'POST', url: '/v1/models/petal_width:regress', payload: { signature_name: 'regression', examples } })
  t.equal(res.statusCode, 200)
  const { results } = res.json()
  t.equal(results.length, 3)
  results.forEach((v: number, i: number) => t.ok(Math.abs(v - sk.predict[i]) < 1e-5, `example ${i}: ${v} equals scikit-learn's ${sk.predict[i]}`))
  const meta = (await app.inject({ url: '/v1/models/petal_width/metadata' })).json().metadata.signature_def.signature_def
  t.equal(meta.regression.method_name, 'tensorflow/serving/regress')
  const classify = await app.inject({ method: 'POST', url: '/v1/models/petal_width:classify', payload: { examples } })
  t.equal(classify.statusCode, 400)
  t.same(classify.json(), { error: 'Expected classification signature method_name to be tensorflow/serving/classify. Was: tensorflow/serving/regress' })
})
