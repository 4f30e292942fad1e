import t from 'tap'
import { accuracy, argmax, classificationMetrics, confusionMatrix, perClassMetrics } from '../../../services/training/metrics.js'

// Worked by hand: true 0 -> predicted 0,0,1; true 1 -> 1,2; true 2 -> 2,2,2,2.
const yTrue = [0, 0, 0, 1, 1, 2, 2, 2, 2]
const yPred = [0, 0, 1, 1, 2, 2, 2, 2, 2]

t.test('confusion matrix: true classes as rows, predictions as columns', async (t) => {
  t.same(confusionMatrix(yTrue, yPred, 3), [
    [2, 1, 0],
    [0, 1, 1],
    [0, 0, 4]
  ])
})

t.test('accuracy, precision, recall and f1 of the hand-checked example', async (t) => {
  const m = classificationMetrics(yTrue, yPred, ['a', 'b', 'c'])
  t.equal(m.accuracy, 7 / 9)
  t.equal(m.per_class.a.precision, 1)
  t.equal(m.per_class.a.recall, 2 / 3)
  t.ok(Math.abs(m.per_class.a.f1 - 0.8) < 1e-12, `f1(a) ${m.per_class.a.f1} = 0.8`)
  t.same([m.per_class.b.precision, m.per_class.b.recall, m.per_class.b.f1], [0.5, 0.5, 0.5])
  t.equal(m.per_class.c.precision, 0.8)
  t.equal(m.per_class.c.recall, 1)
  t.ok(Math.abs(m.per_class.c.f1 - 8 / 9) < 1e-12, `f1(c) ${m.per_class.c.f1} = 8/9`)
  t.same([m.per_class.a.support, m.per_class.b.support, m.per_class.c.support], [3, 2, 4])
})

t.test('a class never predicted and never present scores 0, not NaN', async (t) => {
  const m = perClassMetrics(confusionMatrix([0, 1], [0, 1], 3), ['a', 'b', 'c'])
  t.same(m.c, { precision: 0, recall: 0, f1: 0, support: 0 })
  t.equal(accuracy([0, 1], [0, 1]), 1)
})

t.test('mismatched, empty or out-of-range labels are refused', async (t) => {
  t.throws(() => accuracy([0, 1], [0]), /2 true labels but 1 predictions/)
  t.throws(() => accuracy([], []), /no samples/)
  t.throws(() => confusionMatrix([0, 3], [0, 1], 3), /label out of range \[0, 3\): true 3, predicted 1/)
})

t.test('argmax takes the first of equal maxima', async (t) => {
  t.equal(argmax([0.2, 0.5, 0.3]), 1)
  t.equal(argmax([0.4, 0.4, 0.2]), 0)
  t.equal(argmax(Float32Array.from([0, 0, 1])), 2)
})
