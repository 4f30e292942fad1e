// Triton's classification extension as a plain function: top N per row, Triton's number format.
import t from 'tap'
import { classCount, topK } from '../../../../../services/protocols/kserve/server/classification.js'

t.test('top N per row, highest first, ties by lower index, six decimals for floats', async (t) => {
  const data = Float32Array.from([0.1, 0.7, 0.2, 0.25, 0.25, 0.5])
  t.same(topK('p', 'FP32', data, 2, 2, ['a', 'b', 'c']), { shape: [2, 2], data: ['0.700000:1:b', '0.200000:2:c', '0.500000:2:c', '0.250000:0:a'] })
  t.same(topK('p', 'FP32', data, 2, 5, null).shape, [2, 3], 'N is capped at the number of classes')
  t.same(topK('l', 'INT64', BigInt64Array.from([3n, 9n]), 2, 1, null), { shape: [2, 1], data: ['3:0', '9:0'] }, 'integers without decimals')
  t.same(topK('p', 'FP32', new Float32Array(0), 0, 2, null), { shape: [0, 0], data: [] })
  t.throws(() => topK('b', 'BOOL', Uint8Array.from([1]), 1, 1, null), { code: 'GW_TENSOR_INVALID', message: "class result not available for output 'b' due to unsupported type 'BOOL'" })
})

t.test('classCount: absent is 0, a non-negative integer, anything else a 400', async (t) => {
  t.equal(classCount('p', undefined), 0)
  t.equal(classCount('p', 3), 3)
  t.throws(() => classCount('p', 1.5), { statusCode: 400, message: "output 'p' parameter 'classification' must be a non-negative integer, got 1.5" })
  t.throws(() => classCount('p', '2'), { message: "output 'p' parameter 'classification' must be a non-negative integer, got \"2\"" })
})
