import t from 'tap'
import { trainForest, treeProba, type Tree } from '../../../services/training/forest.js'
import { createRng, loadIris, stratifiedSplit } from '../../../services/training/iris.js'
import { accuracy } from '../../../services/training/metrics.js'

const data = loadIris()
const split = stratifiedSplit(data, createRng(42))
const forest = trainForest(split.train, 3, { seed: 42 })

function depth (tree: Tree, id = 0): number {
  const node = tree[id]
  return node.leaf ? 0 : 1 + Math.max(depth(tree, node.left), depth(tree, node.right))
}

t.test('one tree on separable data: a single midpoint split into two pure leaves', async (t) => {
  const tiny = trainForest({ X: [[0], [1], [2], [3]], y: [0, 0, 1, 1] }, 2, { seed: 1, nEstimators: 1, bootstrap: false, maxFeatures: 'all' })
  t.same(tiny.trees[0], [
    { leaf: false, feature: 0, threshold: 1.5, left: 1, right: 2 },
    { leaf: true, probabilities: [1, 0] },
    { leaf: true, probabilities: [0, 1] }
  ])
  t.same(tiny.predictProba([[1.5], [1.6]]), [[1, 0], [0, 1]])
  t.same(tiny.featureImportances, [1])
})

t.test('a leaf holds the class shares of its samples when depth stops the split', async (t) => {
  const stump = trainForest({ X: [[0], [1], [2], [3], [4]], y: [0, 0, 1, 1, 1] }, 2, { seed: 1, nEstimators: 1, bootstrap: false, maxDepth: 1, maxFeatures: 'all' })
  t.same(stump.predictProba([[0]]), [[1, 0]])
  const mixed = trainForest({ X: [[0], [0], [0], [1]], y: [0, 1, 1, 1] }, 2, { seed: 1, nEstimators: 1, bootstrap: false, maxDepth: 1, maxFeatures: 'all' })
  t.same(mixed.predictProba([[0]]), [[1 / 3, 2 / 3]])
})

t.test('held-out accuracy on the seed-42 split is at least 0.93', async (t) => {
  const acc = accuracy(split.test.y, forest.predict(split.test.X))
  t.ok(acc >= 0.93, `accuracy ${acc}`)
})

t.test('probabilities: every row sums to 1 and is the mean of the trees\' leaves', async (t) => {
  const proba = forest.predictProba(data.X)
  t.ok(proba.every((row) => Math.abs(row.reduce((s, p) => s + p, 0) - 1) <= 1e-6))
  const row = data.X[77]
  const mean = [0, 1, 2].map((c) => forest.trees.reduce((s, tree) => s + treeProba(tree, row)[c], 0) / forest.trees.length)
  t.same(forest.predictProba([row])[0], mean)
})

t.test('trees: 50, no deeper than 5, float32 thresholds, leaves are distributions', async (t) => {
  t.equal(forest.trees.length, 50)
  t.ok(forest.trees.every((tree) => depth(tree) <= 5))
  const nodes = forest.trees.flat()
  t.ok(nodes.every((n) => n.leaf || Math.fround(n.threshold) === n.threshold), 'thresholds are exact float32 values')
  t.ok(nodes.every((n) => !n.leaf || Math.abs(n.probabilities.reduce((s, p) => s + p, 0) - 1) <= 1e-12))
})

t.test('feature importances sum to 1 and the petal measurements dominate', async (t) => {
  const [sepalLength, sepalWidth, petalLength, petalWidth] = forest.featureImportances
  t.ok(Math.abs(forest.featureImportances.reduce((s, v) => s + v, 0) - 1) <= 1e-12)
  t.ok(Math.min(petalLength, petalWidth) > Math.max(sepalLength, sepalWidth), `petal ${petalLength}, ${petalWidth} > sepal ${sepalLength}, ${sepalWidth}`)
  t.ok(petalLength + petalWidth > 0.75, `petal share ${petalLength + petalWidth}`)
})

t.test('the seed fixes the forest', async (t) => {
  t.same(trainForest(split.train, 3, { seed: 42 }).trees, forest.trees)
  t.notSame(trainForest(split.train, 3, { seed: 43 }).trees, forest.trees)
})

t.test('bad parameters are refused up front', async (t) => {
  t.throws(() => trainForest(split.train, 3, { seed: 1, nEstimators: 0 }), /nEstimators must be a positive integer, got 0/)
  t.throws(() => trainForest(split.train, 3, { seed: 1, maxDepth: 2.5 }), /maxDepth must be a positive integer or null/)
  t.throws(() => trainForest(split.train, 3, { seed: 1, minSamplesSplit: 1 }), /minSamplesSplit must be an integer >= 2/)
  t.throws(() => trainForest(split.train, 3, { seed: 1, maxFeatures: 0 }), /maxFeatures must be 'sqrt', 'all' or a positive integer/)
  t.throws(() => trainForest({ X: [], y: [] }, 3, { seed: 1 }), /at least one training row/)
})
