import t from 'tap'
import { CLASS_NAMES, FEATURE_NAMES, createRng, datasetHash, featureRanges, loadIris, shuffle, stratifiedSplit, type Dataset } from '../../../services/training/iris.js'

const rowKeys = (d: Dataset): string[] => d.X.map((row, i) => `${row.join(',')},${d.y[i]}`)
const perClass = (y: number[]): number[] => CLASS_NAMES.map((_, c) => y.filter((v) => v === c).length)

t.test('the package data: 150 rows of 4 measurements, 50 per class, sorted by class', async (t) => {
  const data = loadIris()
  t.equal(data.X.length, 150)
  t.ok(data.X.every((row) => row.length === 4))
  t.same(perClass(data.y), [50, 50, 50])
  t.same(data.X[0], [5.1, 3.5, 1.4, 0.2])
  t.same([data.y[0], data.y[50], data.y[149]], [0, 1, 2])
  t.same(FEATURE_NAMES, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'])
})

t.test('createRng: the same seed gives the same stream, in [0, 1), roughly uniform', async (t) => {
  const a = createRng(42)
  const b = createRng(42)
  const draws = Array.from({ length: 10_000 }, () => a())
  t.same(Array.from({ length: 10_000 }, () => b()), draws)
  t.ok(draws.every((x) => x >= 0 && x < 1))
  const mean = draws.reduce((s, x) => s + x, 0) / draws.length
  t.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean} within 0.01 of 0.5`)
  t.not(createRng(43)(), createRng(42)())
  t.throws(() => createRng(1.5), /seed must be an integer/)
})

t.test('shuffle: a permutation of a copy, fixed by the seed', async (t) => {
  const items = [...Array(20).keys()]
  const shuffled = shuffle(items, createRng(7))
  t.same([...shuffled].sort((x, y) => x - y), items)
  t.notSame(shuffled, items)
  t.same(items, [...Array(20).keys()], 'input untouched')
  t.same(shuffle(items, createRng(7)), shuffled)
})

t.test('stratified split: 40 train / 10 test per class, together exactly the dataset', async (t) => {
  const data = loadIris()
  const split = stratifiedSplit(data, createRng(42))
  t.equal(split.train.X.length, 120)
  t.equal(split.test.X.length, 30)
  t.same(perClass(split.train.y), [40, 40, 40])
  t.same(perClass(split.test.y), [10, 10, 10])
  t.same([...rowKeys(split.train), ...rowKeys(split.test)].sort(), rowKeys(data).sort())
  t.notSame(split.train.y.slice(0, 40), new Array(40).fill(split.train.y[0]), 'training rows are mixed across classes')
})

t.test('stratified split: same seed, same split; another seed, another test set', async (t) => {
  const data = loadIris()
  const a = stratifiedSplit(data, createRng(42))
  t.same(stratifiedSplit(data, createRng(42)), a)
  t.notSame(rowKeys(stratifiedSplit(data, createRng(43)).test).sort(), rowKeys(a.test).sort())
  t.throws(() => stratifiedSplit(data, createRng(1), 1), /testFraction must be in \(0, 1\)/)
})

t.test('datasetHash: sha256 of the canonical CSV lines, sensitive to any value', async (t) => {
  const data = loadIris()
  t.equal(datasetHash(data), 'f3b8e7a959396498c7a9f9ff405f3f95250340d283fc20a0c1b3a0749ddc1908')
  // printf '1,2.5,0\n' | sha256sum
  t.equal(datasetHash({ X: [[1, 2.5]], y: [0] }), 'a0fff369d81941f12880ac8e79abf6702ab921586493fda94cda43531b9f8742')
  const changed = { X: data.X.map((row) => [...row]), y: [...data.y] }
  changed.X[75][2] += 0.1
  t.not(datasetHash(changed), datasetHash(data))
})

t.test('featureRanges: min and max per named feature', async (t) => {
  t.same(featureRanges([[1, 5], [3, 2], [2, 4]], ['a', 'b']), { a: { min: 1, max: 3 }, b: { min: 2, max: 5 } })
  const ranges = featureRanges(loadIris().X)
  t.same(ranges.petal_length, { min: 1, max: 6.9 })
  t.same(ranges.sepal_width, { min: 2, max: 4.4 })
  t.throws(() => featureRanges([]), /at least one row/)
})
