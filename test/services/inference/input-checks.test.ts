import t from 'tap'
import { checkRows, featureBounds, FLOAT32_MAX } from '../../../services/inference/input-checks.js'

const iris = {
  name: 'iris',
  numFeatures: 2,
  featureNames: ['sepal_length', 'petal_width'],
  metadata: { feature_bounds: { sepal_length: { min: 0, max: 30, unit: 'cm' }, petal_width: { min: 0 } } }
}

t.test('bounds per column: declared ones, else the float32 range; names that are prototype members are not bounds', async (t) => {
  t.same(featureBounds(iris), [{ name: 'sepal_length', min: 0, max: 30, unit: ' cm' }, { name: 'petal_width', min: 0, max: FLOAT32_MAX, unit: '' }])
  const odd = { name: 'm', numFeatures: 1, featureNames: ['constructor'], metadata: {} }
  t.same(featureBounds(odd), [{ name: 'constructor', min: -FLOAT32_MAX, max: FLOAT32_MAX, unit: '' }])
  t.same(featureBounds({ name: 'bare', numFeatures: 2, featureNames: [], metadata: undefined as never }).map((c) => c.name), ['f0', 'f1'])
})

t.test('the first bad value is named with its row, and the value as sent', async (t) => {
  t.doesNotThrow(() => checkRows(iris, Float32Array.of(0, 0, 30, 1e30)))
  t.throws(() => checkRows(iris, Float32Array.of(5, 1, 31, 1)), { code: 'GW_MODEL_INPUT_INVALID', statusCode: 400, message: "Model 'iris' expects sepal_length within [0, 30] cm; row 1 has 31" })
  t.throws(() => checkRows(iris, Float32Array.of(5, -0.5)), { message: `Model 'iris' expects petal_width within [0, ${FLOAT32_MAX}]; row 0 has -0.5` })
  t.throws(() => checkRows(iris, Float32Array.of(5, Number.NaN)), { message: "Model 'iris' expects petal_width a finite float32 number; row 0 has NaN" })
  // 1e39 is Infinity as a float32: the message shows what the client sent.
  t.throws(() => checkRows(iris, Float32Array.of(5, 1e39), (_, c) => [5, 1e39][c]), { message: "Model 'iris' expects petal_width a finite float32 number; row 0 has 1e+39" })
  t.throws(() => checkRows(iris, Float32Array.of(5, 1e39)), { message: "Model 'iris' expects petal_width a finite float32 number; row 0 has Infinity" })
})
