// tensorflow.TensorProto for a gRPC client: float32 [N, F] inputs as typed `float_val` (what
// TF Serving's own clients send) and outputs decoded from either `*_val` fields or `tensor_content`
// (TF Serving fills `*_val` by default, `tensor_content` with --enable_serialization_as_tensor_content).

export interface TensorProtoLike {
  dtype: string
  tensor_shape?: { dim: Array<{ size: number | string }> } | null
  tensor_content?: Uint8Array
  float_val?: number[]
  double_val?: number[]
  int_val?: number[]
  int64_val?: Array<number | string>
}

export function floatTensor (rows: Float32Array, nRows: number): TensorProtoLike {
  return { dtype: 'DT_FLOAT', tensor_shape: { dim: [{ size: nRows }, { size: rows.length / nRows }] }, float_val: Array.from(rows) }
}

export interface DecodedTensor { shape: number[], data: number[] }

const CONTENT_BYTES: Record<string, number> = { DT_FLOAT: 4, DT_DOUBLE: 8, DT_INT32: 4, DT_INT64: 8 }

export function decodeTensor (t: TensorProtoLike): DecodedTensor {
  const shape = (t.tensor_shape?.dim ?? []).map((d) => Number(d.size))
  const count = shape.reduce((n, d) => n * d, 1)
  const content = t.tensor_content
  if (content !== undefined && content.byteLength > 0) {
    const size = CONTENT_BYTES[t.dtype]
    if (size === undefined || content.byteLength !== count * size) throw new Error(`tensor_content of ${content.byteLength} bytes does not fit ${t.dtype} [${shape.join(',')}]`)
    const view = new DataView(content.buffer, content.byteOffset, content.byteLength)
    const data = Array.from({ length: count }, (_, i) => t.dtype === 'DT_FLOAT'
      ? view.getFloat32(i * 4, true)
      : t.dtype === 'DT_DOUBLE' ? view.getFloat64(i * 8, true) : t.dtype === 'DT_INT32' ? view.getInt32(i * 4, true) : Number(view.getBigInt64(i * 8, true)))
    return { shape, data }
  }
  const values = (t.dtype === 'DT_FLOAT' ? t.float_val : t.dtype === 'DT_DOUBLE' ? t.double_val : t.dtype === 'DT_INT32' ? t.int_val : t.dtype === 'DT_INT64' ? t.int64_val : undefined) ?? []
  const data = values.map(Number)
  // TF Serving may send one value for a tensor whose elements are all equal.
  if (data.length === 1 && count > 1) return { shape, data: new Array<number>(count).fill(data[0]) }
  if (data.length !== count) throw new Error(`${t.dtype} tensor of shape [${shape.join(',')}] carries ${data.length} values`)
  return { shape, data }
}
