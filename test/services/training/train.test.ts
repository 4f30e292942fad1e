import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { openModelVersion } from '../../../services/inference/onnx-models.js'
import { trainModel, writeModelVersion, type Algo } from '../../../services/training/train.js'

const ALGOS: Algo[] = ['forest', 'mlp']
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
/** A clock that advances 250 ms per reading, from 2024-01-01T00:00:00Z. */
const fakeClock = () => {
  let ms = Date.UTC(2024, 0, 1)
  return () => (ms += 250) - 250
}

for (const algo of ALGOS) {
  t.test(`${algo}: held-out accuracy >= 0.93 on the 30-row split of seed 42`, async (t) => {
    const { metrics } = trainModel({ algo, seed: 42 })
    t.ok(metrics.accuracy >= 0.93, `accuracy ${metrics.accuracy}`)
    t.equal(metrics.n_train, 120)
    t.equal(metrics.n_test, 30)
    t.same(metrics.confusion_matrix.map((row) => row.reduce((s, v) => s + v, 0)), [10, 10, 10])
    t.same(Object.keys(metrics.per_class), ['setosa', 'versicolor', 'virginica'])
  })

  t.test(`${algo}: the same seed gives the same model.onnx and metrics; another seed does not`, async (t) => {
    const a = trainModel({ algo, seed: 42 })
    const b = trainModel({ algo, seed: 42, now: fakeClock() })
    t.equal(sha256(b.onnxBytes), sha256(a.onnxBytes))
    t.equal(a.metadata.sha256, sha256(a.onnxBytes))
    t.same(b.metrics, a.metrics)
    const other = trainModel({ algo, seed: 7 })
    t.not(sha256(other.onnxBytes), sha256(a.onnxBytes))
  })
}

t.test('metadata: the serving contract, the injected clock and the training ranges', async (t) => {
  const forest = trainModel({ algo: 'forest', seed: 42, params: { nEstimators: 10 }, now: fakeClock() })
  const m = forest.metadata
  t.match(m, {
    algorithm: 'forest',
    model_type: 'RandomForestClassifier',
    params: { n_estimators: 10, max_depth: 5, min_samples_split: 2, max_features: 'sqrt', bootstrap: true, seed: 42 },
    classes: ['setosa', 'versicolor', 'virginica'],
    feature_names: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
    input_name: 'float_input',
    output_names: { label: 'label', probabilities: 'probabilities' },
    opset: { 'ai.onnx': 17, 'ai.onnx.ml': 3 },
    dataset_hash: 'f3b8e7a959396498c7a9f9ff405f3f95250340d283fc20a0c1b3a0749ddc1908',
    seed: 42,
    train_time: '2024-01-01T00:00:00.000Z',
    train_duration_ms: 250
  })
  t.equal(m.feature_importances!.length, 4)
  t.same(m.feature_bounds.petal_width, { min: 0, max: 30, unit: 'cm' }, 'served bounds travel with the model')
  for (const [f, name] of m.feature_names.entries()) {
    const values = forest.split.train.X.map((row) => row[f])
    t.same(m.feature_ranges[name], { min: Math.min(...values), max: Math.max(...values) })
  }
  const mlp = trainModel({ algo: 'mlp', seed: 42, params: { epochs: 5 } })
  t.match(mlp.metadata, { model_type: 'MLPClassifier', params: { hidden_units: 8, epochs: 5, activation: 'tanh' }, opset: { 'ai.onnx': 17 }, feature_importances: null })
})

t.test('writeModelVersion writes a version directory the gateway loads', async (t) => {
  const dir = join(t.testdir(), 'iris', '3')
  const result = trainModel({ algo: 'forest', seed: 42, now: fakeClock() })
  await writeModelVersion(dir, result)
  t.same((await readdir(dir)).sort(), ['metadata.json', 'metrics.json', 'model.onnx', 'reference.csv'])
  const onnxBytes = await readFile(join(dir, 'model.onnx'))
  const metadata = JSON.parse(await readFile(join(dir, 'metadata.json'), 'utf8'))
  t.equal(metadata.sha256, sha256(onnxBytes))
  t.same(metadata, result.metadata)
  t.same(JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')), result.metrics)

  const csv = (await readFile(join(dir, 'reference.csv'), 'utf8')).trimEnd().split('\n')
  t.equal(csv[0], 'sepal_length,sepal_width,petal_length,petal_width,label')
  t.equal(csv.length, 121)
  const [x, y] = [result.split.train.X[0], result.split.train.y[0]]
  t.equal(csv[1], `${x.join(',')},${['setosa', 'versicolor', 'virginica'][y]}`)

  const served = await openModelVersion({ name: 'iris', version: '3', dir }, { intraOpNumThreads: 1 })
  t.teardown(() => served.session.release())
  t.match(served, { inputName: 'float_input', numFeatures: 4, probabilityOutput: 'probabilities', labelOutput: 'label', labelType: 'int64', classes: ['setosa', 'versicolor', 'virginica'] })

  await t.rejects(writeModelVersion(dir, result), /model\.onnx already exists; train into a new version directory/)
})

t.test('an unknown algorithm is refused', async (t) => {
  t.throws(() => trainModel({ algo: 'svm' as 'mlp', seed: 1 }), /algo must be 'forest' or 'mlp', got 'svm'/)
})
