import t from 'tap'
import { binaryRequest, decodeGrpcResponse, decodeHttpResponse, decodeRaw, jsonRequest } from '../../../../../services/protocols/kserve/client/encoding.js'
import { decodeTensor, floatTensor } from '../../../../../services/protocols/tf-serving/client/tensor-proto.js'

const spec = { input: 'float_input', rows: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), nRows: 2, outputs: ['probabilities'] }

t.test('JSON request: flat row-major data, outputs asked as JSON', async (t) => {
  t.same(JSON.parse(jsonRequest(spec)), {
    inputs: [{ name: 'float_input', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }],
    outputs: [{ name: 'probabilities', parameters: { binary_data: false } }]
  })
})

t.test('binary request: JSON header then 32 little-endian bytes', async (t) => {
  const { body, headerLength } = binaryRequest(spec)
  const header = JSON.parse(body.subarray(0, headerLength).toString())
  t.same(header.inputs[0].parameters, { binary_data_size: 32 })
  t.same(header.outputs, [{ name: 'probabilities', parameters: { binary_data: true } }])
  t.equal(body.length, headerLength + 32)
  t.equal(body.readFloatLE(headerLength + 4), 2)
  t.equal(body.readFloatLE(headerLength + 28), 8)
})

t.test('HTTP response with a binary and a JSON output', async (t) => {
  const probs = Buffer.alloc(12)
  ;[0.25, 0.5, 0.25].forEach((p, i) => probs.writeFloatLE(p, i * 4))
  const header = Buffer.from(JSON.stringify({
    model_name: 'm',
    model_version: '1',
    outputs: [
      { name: 'probabilities', datatype: 'FP32', shape: [1, 3], parameters: { binary_data_size: 12 } },
      { name: 'label', datatype: 'INT64', shape: [1, 1], data: [[1]] }
    ]
  }))
  const { json, outputs } = decodeHttpResponse(Buffer.concat([header, probs]), header.length)
  t.equal(json.model_version, '1')
  t.same(outputs.probabilities, { datatype: 'FP32', shape: [1, 3], data: [0.25, 0.5, 0.25] })
  t.same(outputs.label, { datatype: 'INT64', shape: [1, 1], data: [1] })
  t.throws(() => decodeHttpResponse(header, header.length + 1), /outside the/)
})

t.test('raw decoding checks the byte count; gRPC raw_output_contents pair with outputs', async (t) => {
  const label = Buffer.alloc(16)
  label.writeBigInt64LE(2n, 0)
  label.writeBigInt64LE(0n, 8)
  t.same(decodeRaw('INT64', [2], label), [2, 0])
  t.throws(() => decodeRaw('FP32', [3], Buffer.alloc(8)), /needs 12 bytes, got 8/)
  const res = decodeGrpcResponse({ model_name: 'm', model_version: '1', raw_output_contents: [label], outputs: [{ name: 'label', datatype: 'INT64', shape: [2] }, { name: 'p', datatype: 'FP32', shape: [1], contents: { fp32_contents: [0.5] } }] })
  t.same(res, { label: { datatype: 'INT64', shape: [2], data: [2, 0] }, p: { datatype: 'FP32', shape: [1], data: [0.5] } })
})

t.test('TensorProto: float_val out, float_val / tensor_content / one repeated value back', async (t) => {
  t.same(floatTensor(Float32Array.from([1, 2, 3, 4]), 1), { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 1 }, { size: 4 }] }, float_val: [1, 2, 3, 4] })
  t.same(decodeTensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 1 }, { size: 2 }] }, float_val: [0.5, 0.25] }), { shape: [1, 2], data: [0.5, 0.25] })
  const content = Buffer.alloc(8)
  content.writeFloatLE(0.75, 0)
  content.writeFloatLE(0.25, 4)
  t.same(decodeTensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: '2' }] }, tensor_content: content }), { shape: [2], data: [0.75, 0.25] })
  t.same(decodeTensor({ dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 3 }] }, int64_val: ['7'] }), { shape: [3], data: [7, 7, 7] })
  t.throws(() => decodeTensor({ dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: 3 }] }, float_val: [1, 2] }), /carries 2 values/)
})
