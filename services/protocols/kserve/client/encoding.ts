// Client side of KServe V2 (Triton): building infer requests for a float32 [N, F] input, in JSON
// or with the binary tensor extension, and decoding responses (JSON `data`, binary outputs after
// the JSON header, gRPC `raw_output_contents`). Plain functions; the transports live in the plugin.

/** A decoded output tensor: flat row-major numbers (int64 class indices fit in a double). */
export interface DecodedTensor { datatype: string, shape: number[], data: number[] }
export type DecodedOutputs = Record<string, DecodedTensor>

export interface V2OutputJson { name: string, datatype: string, shape: number[], data?: unknown[], parameters?: Record<string, unknown> }
export interface V2ResponseJson { model_name: string, model_version?: string, outputs: V2OutputJson[] }

export interface InferSpec { input: string, rows: Float32Array, nRows: number, outputs: string[] }

const BYTES: Record<string, number> = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8 }

function shapeOf (spec: InferSpec): number[] {
  return [spec.nRows, spec.rows.length / spec.nRows]
}

/** JSON request body: the whole batch as one flat row-major `data` array. */
export function jsonRequest (spec: InferSpec): string {
  return JSON.stringify({
    inputs: [{ name: spec.input, shape: shapeOf(spec), datatype: 'FP32', data: Array.from(spec.rows) }],
    outputs: spec.outputs.map((name) => ({ name, parameters: { binary_data: false } }))
  })
}

/** Binary request: JSON header, then the input's little-endian bytes; outputs asked back binary. */
export function binaryRequest (spec: InferSpec): { body: Buffer, headerLength: number } {
  const bytes = littleEndianFloat32(spec.rows)
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: spec.input, shape: shapeOf(spec), datatype: 'FP32', parameters: { binary_data_size: bytes.length } }],
    outputs: spec.outputs.map((name) => ({ name, parameters: { binary_data: true } }))
  }))
  return { body: Buffer.concat([header, bytes]), headerLength: header.length }
}

export function littleEndianFloat32 (rows: Float32Array): Buffer {
  const out = Buffer.alloc(rows.length * 4)
  for (let i = 0; i < rows.length; i++) out.writeFloatLE(rows[i], i * 4)
  return out
}

/** Numbers of a little-endian tensor of a fixed-size datatype; throws on a size mismatch. */
export function decodeRaw (datatype: string, shape: number[], bytes: Uint8Array): number[] {
  const size = BYTES[datatype]
  if (size === undefined) throw new Error(`unsupported output datatype ${datatype}`)
  const count = shape.reduce((n, d) => n * d, 1)
  if (bytes.byteLength !== count * size) throw new Error(`output of shape [${shape.join(',')}] ${datatype} needs ${count * size} bytes, got ${bytes.byteLength}`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Array<number>(count)
  for (let i = 0; i < count; i++) {
    const o = i * size
    switch (datatype) {
      case 'FP32': out[i] = view.getFloat32(o, true); break
      case 'FP64': out[i] = view.getFloat64(o, true); break
      case 'INT64': out[i] = Number(view.getBigInt64(o, true)); break
      case 'UINT64': out[i] = Number(view.getBigUint64(o, true)); break
      case 'INT32': out[i] = view.getInt32(o, true); break
      case 'UINT32': out[i] = view.getUint32(o, true); break
      case 'INT16': out[i] = view.getInt16(o, true); break
      case 'UINT16': out[i] = view.getUint16(o, true); break
      case 'INT8': out[i] = view.getInt8(o); break
      default: out[i] = view.getUint8(o)
    }
  }
  return out
}

/**
 * An HTTP infer response: plain JSON, or (with Inference-Header-Content-Length) a JSON header
 * followed by the binary outputs in the order they appear in the header.
 */
export function decodeHttpResponse (body: Buffer, headerLength: number | undefined): { json: V2ResponseJson, outputs: DecodedOutputs } {
  const jsonEnd = headerLength ?? body.length
  if (!Number.isInteger(jsonEnd) || jsonEnd < 0 || jsonEnd > body.length) throw new Error(`Inference-Header-Content-Length ${String(headerLength)} outside the ${body.length}-byte body`)
  const json = JSON.parse(body.subarray(0, jsonEnd).toString('utf8')) as V2ResponseJson
  if (!Array.isArray(json.outputs)) throw new Error('response has no outputs')
  let offset = jsonEnd
  const outputs: DecodedOutputs = {}
  for (const o of json.outputs) {
    const size = o.parameters?.binary_data_size
    if (typeof size === 'number') {
      outputs[o.name] = { datatype: o.datatype, shape: o.shape, data: decodeRaw(o.datatype, o.shape, body.subarray(offset, offset + size)) }
      offset += size
    } else {
      outputs[o.name] = { datatype: o.datatype, shape: o.shape, data: (o.data ?? []).flat(Infinity).map(Number) }
    }
  }
  return { json, outputs }
}

export interface GrpcInferResponse {
  model_name: string
  model_version: string
  outputs: Array<{ name: string, datatype: string, shape: number[], contents?: Record<string, unknown[]> | null }>
  raw_output_contents: Uint8Array[]
}

const CONTENTS_FIELD: Record<string, string> = { FP32: 'fp32_contents', FP64: 'fp64_contents', INT64: 'int64_contents', INT32: 'int_contents', BOOL: 'bool_contents' }

/** A gRPC ModelInferResponse: raw_output_contents[i] belongs to outputs[i]; typed contents otherwise. */
export function decodeGrpcResponse (res: GrpcInferResponse): DecodedOutputs {
  const outputs: DecodedOutputs = {}
  res.outputs.forEach((o, i) => {
    const shape = o.shape.map(Number)
    const raw = res.raw_output_contents[i]
    if (raw !== undefined && raw.byteLength > 0) {
      outputs[o.name] = { datatype: o.datatype, shape, data: decodeRaw(o.datatype, shape, raw) }
    } else {
      const field = CONTENTS_FIELD[o.datatype]
      outputs[o.name] = { datatype: o.datatype, shape, data: ((field !== undefined ? o.contents?.[field] : undefined) ?? []).map(Number) }
    }
  })
  return outputs
}

/** gRPC ModelInferRequest (proto-loader object) with the input as raw_input_contents. */
export function grpcRequest (model: string, version: string, spec: InferSpec) {
  return {
    model_name: model,
    model_version: version,
    inputs: [{ name: spec.input, datatype: 'FP32', shape: shapeOf(spec) }],
    outputs: spec.outputs.map((name) => ({ name })),
    raw_input_contents: [littleEndianFloat32(spec.rows)]
  }
}
