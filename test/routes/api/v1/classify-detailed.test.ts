import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { buildTestApp, SETOSA, VERSICOLOR } from '../../../helpers/app.js'
import { projectRoot } from '../../../../services/lib/project-root.js'

t.test('classify-detailed: raw probabilities, importances, model info and serialization', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify-detailed', payload: SETOSA })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.predicted_class, 'setosa')
  t.equal(body.raw_probabilities.length, 3)
  t.ok(Math.abs(body.raw_probabilities.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5)
  const importances = body.feature_importances as Record<string, number>
  t.same(Object.keys(importances).sort(), ['petal_length', 'petal_width', 'sepal_length', 'sepal_width'])
  t.ok(Math.abs(Object.values(importances).reduce((a, b) => a + b, 0) - 1) < 1e-9, 'importances sum to 1')
  t.ok(importances.petal_length + importances.petal_width > importances.sepal_length + importances.sepal_width, 'petal features dominate')
  const file = await readFile(join(projectRoot, 'models', 'iris', '1', 'model.onnx'))
  t.equal(body.model_info.sha256, createHash('sha256').update(file).digest('hex'))
  t.equal(body.model_info.type, 'RandomForestClassifier')
  t.equal(body.model_info.version, '1')
  t.equal(body.model_info.input_name, 'float_input')
  t.same(body.model_info.output_names, { probabilities: 'probabilities', label: 'label' })
  t.equal(body.model_info.opset['ai.onnx.ml'] !== undefined, true)
  t.equal(body.serialization.label_tensor.js_type, 'BigInt64Array')
  t.equal(body.serialization.label_tensor.onnx_type, 'int64')
  t.same(body.serialization.label_tensor.json, [0])
  t.equal(body.serialization.probabilities_tensor.js_type, 'Float32Array')
  t.same(body.serialization.probabilities_tensor.dims, [1, 3])
  t.match(body.serialization.probabilities_tensor.naive_json_stringify, /^\{"0":/)
  t.same(body.typed_array_json, { int64_label: 0, float32_max: Math.max(...body.raw_probabilities), float32_array: body.raw_probabilities })
  t.notOk('serialization_demo' in body, 'the seed\'s NumPy-named field is renamed, not duplicated')
})

t.test('classify-detailed on the MLP: no importances, with the reason', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify-detailed?model=iris_mlp', payload: VERSICOLOR })
  const body = res.json()
  t.equal(body.predicted_class, 'versicolor')
  t.equal(body.feature_importances, null)
  t.match(body.feature_importances_reason, /MLPClassifier has no intrinsic feature importances/)
  t.equal(body.model_info.type, 'MLPClassifier')
})

t.test('classify-shifted applies the seed\'s shift and compares predictions', async (t) => {
  const app = await buildTestApp(t)
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify-shifted', payload: SETOSA })
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.ok(Math.abs(body.shifted_features.sepal_length - 6.6) < 1e-9)
  t.ok(Math.abs(body.shifted_features.petal_width - 0.26) < 1e-9)
  t.equal(body.shifted_features.petal_length, 1.4)
  t.same(body.drift_simulation.applied_shifts, { sepal_length: '+1.5 units', petal_width: '*1.3 multiplier' })
  const direct = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: body.shifted_features })
  t.equal(body.shifted_prediction.predicted_class, direct.json().predicted_class)
  t.ok(Math.abs(body.shifted_prediction.confidence - direct.json().confidence) < 1e-6)
  t.equal(body.original_prediction.predicted_class, 'setosa')
  t.equal(body.drift_simulation.prediction_changed, body.original_prediction.predicted_class !== body.shifted_prediction.predicted_class)
  t.ok(Math.abs(body.drift_simulation.confidence_change - (body.shifted_prediction.confidence - body.original_prediction.confidence)) < 1e-6)
})
