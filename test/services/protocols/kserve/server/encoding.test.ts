// KServe V2 encodings, byte for byte: little-endian tensors, BYTES length prefixes, the JSON header
// split, which outputs go binary, and the response layout.
import t from 'tap'
import { binaryOutputs, decodeInputs, encodeResponse, splitBody } from '../../../../../services/protocols/kserve/server/binary.js'
import { datatypeOf, float32FromBytes, float32FromJson, toJsonData, toLittleEndianBytes, v2Datatype } from '../../../../../services/protocols/kserve/server/tensors.js'
import { splitMethod } from '../../../../../services/protocols/tf-serving/server/tf-serving.js'

t.test('tensors: little-endian bytes and JSON values of each output type', async (t) => {
  t.same([...toLittleEndianBytes(Float32Array.of(1, -2))], [0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0])
  t.same([...toLittleEndianBytes(BigInt64Array.of(2n, -1n))], [2, 0, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255])
  t.same([...toLittleEndianBytes(Int32Array.of(258))], [2, 1, 0, 0])
  t.same([...toLittleEndianBytes(Float64Array.of(1))], [0, 0, 0, 0, 0, 0, 0xf0, 0x3f])
  t.same([...toLittleEndianBytes(['ab', ''])], [2, 0, 0, 0, 97, 98, 0, 0, 0, 0], 'BYTES: 4-byte LE length, then the bytes')
  t.same(toJsonData(BigInt64Array.of(0n, 2n)), [0, 2])
  t.same(toJsonData(Uint8Array.of(0, 1)), [false, true])
  t.same(toJsonData(Float32Array.of(0.5)), [0.5])
  t.same([Float32Array.of(), Float64Array.of(), BigInt64Array.of(), Int32Array.of(), Uint8Array.of(), []].map((d) => datatypeOf(d as never)), ['FP32', 'FP64', 'INT64', 'INT32', 'BOOL', 'BYTES'])
  t.same(['float32', 'int64', 'string', 'bool', 'float16'].map(v2Datatype), ['FP32', 'INT64', 'BYTES', 'BOOL', 'FP16'])
  t.same([...float32FromBytes(Uint8Array.of(0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0), 2, 'x')], [1, -2])
  t.same([...float32FromBytes(Buffer.concat([Buffer.from([9]), Buffer.from(Float32Array.of(3).buffer)]).subarray(1), 1, 'x')], [3], 'unaligned offsets are read correctly')
  t.throws(() => float32FromBytes(Uint8Array.of(1, 2, 3), 1, 'x'), { code: 'GW_TENSOR_INVALID', message: "unexpected total byte size 3 for inference input 'x', expecting 4" })
  t.same([...float32FromJson([[1, 2], [3, 4]], 4, 'x')], [1, 2, 3, 4])
  t.same([...float32FromJson(7, 1, 'x')], [7])
  t.throws(() => float32FromJson([1, null], 2, 'x'), { message: "inference input 'x' element 1 is not a finite number" })
})

t.test('tensors: hostile values and nesting are 400s, never a crash', async (t) => {
  // Beyond float32 a JSON number would become Infinity in the tensor.
  t.throws(() => float32FromJson([1, 1e39], 2, 'x'), { code: 'GW_TENSOR_INVALID', message: "inference input 'x' element 1 is 1e+39, outside the float32 range (+/-3.4028234663852886e+38)" })
  t.throws(() => float32FromJson([-1.7976931348623157e308], 1, 'x'), { message: /element 0 is -1.7976931348623157e\+308, outside the float32 range/ })
  t.same([...float32FromJson([3.4028234663852886e38], 1, 'x')], [3.4028234663852886e38], 'the largest float32 itself is accepted')
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
    t.throws(() => float32FromBytes(new Uint8Array(Float32Array.of(1, bad).buffer), 2, 'x'), { code: 'GW_TENSOR_INVALID', message: `inference input 'x' element 1 is ${bad}, not a finite float32` })
  }
  // 10,000 levels once overflowed the stack in Array.flat: now a 400 at the 33rd level.
  let deep: unknown = [1, 2, 3, 4]
  for (let i = 0; i < 10_000; i++) deep = [deep]
  t.throws(() => float32FromJson(deep, 4, 'x'), { code: 'GW_TENSOR_INVALID', message: "inference input 'x' data is nested deeper than 32 levels" })
  let ok: unknown = [1, 2, 3, 4]
  for (let i = 0; i < 30; i++) ok = [ok]
  t.same([...float32FromJson(ok, 4, 'x')], [1, 2, 3, 4], '31 levels are still read')
  // More values than the shape declares: counted, never stored beyond the declared count.
  t.throws(() => float32FromJson(new Array(100_000).fill(1), 4, 'x'), { message: "unexpected number of elements for inference input 'x': got 100000, expected 4 from its shape" })
  t.throws(() => float32FromJson([[1, 2], []], 4, 'x'), { message: "unexpected number of elements for inference input 'x': got 2, expected 4 from its shape" })
})

t.test('binary framing: header split, input slices, output choice and response layout', async (t) => {
  const header = Buffer.from('{"a":1}')
  const body = Buffer.concat([header, Buffer.from([1, 2, 3])])
  t.same(splitBody(body, String(header.length)), { json: { a: 1 }, binary: Buffer.from([1, 2, 3]) })
  t.same(splitBody(header, undefined), { json: { a: 1 }, binary: Buffer.alloc(0) })
  t.same(splitBody(body, '0'), { json: null, binary: body }, 'length 0: the whole body is one raw input')
  t.throws(() => splitBody(body, '-1'), { message: 'Inference-Header-Content-Length -1 is not between 0 and the body length 10' })
  t.throws(() => splitBody(body, 'x'), { message: 'Inference-Header-Content-Length x is not between 0 and the body length 10' })

  const inputs = decodeInputs({
    inputs: [
      { name: 'a', shape: [2], datatype: 'UINT8', parameters: { binary_data_size: 2 } },
      { name: 'b', shape: [1], datatype: 'FP32', data: [5] },
      { name: 'c', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 1 } }
    ]
  }, Buffer.from([1, 2, 3]))
  t.same(inputs.map((i) => i.raw === undefined ? i.data : [...i.raw]), [[1, 2], [5], [3]], 'binary inputs take their bytes in order')
  t.throws(() => decodeInputs({ inputs: [{ name: 'a', shape: [1], datatype: 'UINT8', parameters: { binary_data_size: 1 } }] }, Buffer.from([1, 2])), { message: '1 unexpected bytes after the last binary input' })
  // A fixed-size datatype's byte count follows from the declared shape, checked before any byte is read.
  t.throws(() => decodeInputs({ inputs: [{ name: 'a', shape: [1000000, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }] }, Buffer.alloc(16)),
    { code: 'GW_TENSOR_INVALID', message: "input 'a' binary_data_size 16 does not match its shape [1000000,4] of FP32 (16000000 bytes)" })
  t.throws(() => decodeInputs({ inputs: [{ name: 'a', shape: [1], datatype: 'constructor', parameters: { binary_data_size: 1 } }] }, Buffer.alloc(2)),
    { message: '1 unexpected bytes after the last binary input' }, 'a datatype named like an Object.prototype member is no fixed-size type')
  t.throws(() => splitBody(body, String(header.length), 4), { code: 'GW_BODY_TOO_LARGE', statusCode: 413, message: 'Request body is larger than 4 bytes (PROTOCOL_JSON_BODY_LIMIT, the JSON header)' })

  const choose = binaryOutputs({ inputs: [], parameters: { binary_data_output: true }, outputs: [{ name: 'p', parameters: { binary_data: false } }, { name: 'l' }] })
  t.same([choose('p'), choose('l'), choose('other')], [false, true, true])
  t.same([binaryOutputs({ inputs: [] })('p'), binaryOutputs(null)('p')], [false, true])

  const result = { model_name: 'm', model_version: '1', outputs: [{ name: 'p', datatype: 'FP32', shape: [1], data: Float32Array.of(1) }, { name: 'l', datatype: 'INT64', shape: [1], data: BigInt64Array.of(2n) }] }
  const json = encodeResponse(result, '', () => false)
  t.same(json, { json: { model_name: 'm', model_version: '1', outputs: [{ name: 'p', datatype: 'FP32', shape: [1], data: [1] }, { name: 'l', datatype: 'INT64', shape: [1], data: [2] }] } })
  const bin = encodeResponse(result, 'id-1', (n) => n === 'l')
  if (!('binary' in bin)) throw new Error('expected a binary response')
  const head = JSON.parse(bin.binary.subarray(0, bin.headerLength).toString())
  t.same(head, { model_name: 'm', model_version: '1', id: 'id-1', outputs: [{ name: 'p', datatype: 'FP32', shape: [1], data: [1] }, { name: 'l', datatype: 'INT64', shape: [1], parameters: { binary_data_size: 8 } }] })
  t.same([...bin.binary.subarray(bin.headerLength)], [2, 0, 0, 0, 0, 0, 0, 0])
})

t.test('TF Serving paths split the method after the last colon', async (t) => {
  t.same(splitMethod('iris:predict'), ['iris', 'predict'])
  t.same(splitMethod('3:classify'), ['3', 'classify'])
})
