import t from 'tap'
import { createRng, loadIris, stratifiedSplit } from '../../../services/training/iris.js'
import { accuracy } from '../../../services/training/metrics.js'
import { trainMlp } from '../../../services/training/mlp.js'

const data = loadIris()
const split = stratifiedSplit(data, createRng(42))
const mlp = trainMlp(split.train, 3, { seed: 42 })

t.test('held-out accuracy on the seed-42 split is at least 0.93', async (t) => {
  const acc = accuracy(split.test.y, mlp.predict(split.test.X))
  t.ok(acc >= 0.93, `accuracy ${acc}`)
})

t.test('probabilities: every row sums to 1, predict is their argmax', async (t) => {
  const proba = mlp.predictProba(data.X)
  t.ok(proba.every((row) => row.length === 3 && row.every((p) => p >= 0 && p <= 1)))
  t.ok(proba.every((row) => Math.abs(row.reduce((s, p) => s + p, 0) - 1) <= 1e-6))
  t.same(mlp.predict(data.X), proba.map((row) => row.indexOf(Math.max(...row))))
})

t.test('the model standardizes with the training mean and population std', async (t) => {
  const X = [[1, 10], [3, 10], [5, 10]]
  const tiny = trainMlp({ X, y: [0, 1, 1] }, 2, { seed: 1, epochs: 1 })
  t.same(tiny.mean, [3, 10])
  t.same(tiny.std, [Math.fround(Math.sqrt(8 / 3)), 1], 'a constant feature divides by 1')
})

t.test('shapes follow the parameters; every parameter is a float32 value', async (t) => {
  t.equal(mlp.W1.length, 8)
  t.ok(mlp.W1.every((row) => row.length === 4))
  t.same([mlp.b1.length, mlp.W2.length, mlp.W2[0].length, mlp.b2.length], [8, 3, 8, 3])
  const all = [...mlp.mean, ...mlp.std, ...mlp.W1.flat(), ...mlp.b1, ...mlp.W2.flat(), ...mlp.b2]
  t.ok(all.every((v) => Number.isFinite(v) && Math.fround(v) === v))
})

t.test('ReLU hidden units train too', async (t) => {
  const relu = trainMlp(split.train, 3, { seed: 42, activation: 'relu', hiddenUnits: 16 })
  const acc = accuracy(split.test.y, relu.predict(split.test.X))
  t.ok(acc >= 0.9, `accuracy ${acc}`)
})

t.test('the seed fixes the weights', async (t) => {
  const again = trainMlp(split.train, 3, { seed: 42 })
  t.same([again.W1, again.b1, again.W2, again.b2], [mlp.W1, mlp.b1, mlp.W2, mlp.b2])
  t.notSame(trainMlp(split.train, 3, { seed: 43 }).W1, mlp.W1)
})

t.test('bad parameters are refused up front', async (t) => {
  t.throws(() => trainMlp(split.train, 3, { seed: 1, hiddenUnits: 0 }), /hiddenUnits must be a positive integer, got 0/)
  t.throws(() => trainMlp(split.train, 3, { seed: 1, batchSize: 1.5 }), /batchSize must be a positive integer/)
  t.throws(() => trainMlp(split.train, 3, { seed: 1, learningRate: -1 }), /learningRate must be > 0/)
  t.throws(() => trainMlp(split.train, 3, { seed: 1, activation: 'sigmoid' as 'relu' }), /activation must be 'relu' or 'tanh'/)
})
