// KServe V2 tensor encodings: JSON `data` (nested or flat, row-major) and the binary tensor
// extension / gRPC raw contents (little-endian, row-major, no padding). Plain functions.
import { TensorInvalidError } from '../../../lib/errors.js'
import type { TensorData } from '../../../inference/batcher.js'
import { FLOAT32_MAX } from '../../../inference/input-checks.js'

/** Bytes per element of each fixed-size V2 datatype (BYTES is length-prefixed, so absent). */
export const ELEMENT_BYTES: Record<string, number> = {
  BOOL: 1, UINT8: 1, UINT16: 2, UINT32: 4, UINT64: 8, INT8: 1, INT16: 2, INT32: 4, INT64: 8, FP16: 2, BF16: 2, FP32: 4, FP64: 8
}

const ORT_TO_V2: Record<string, string> = {
  float32: 'FP32',
  float64: 'FP64',
  int64: 'INT64',
  int32: 'INT32',
  int16: 'INT16',
  int8: 'INT8',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  bool: 'BOOL',
  string: 'BYTES',
  float16: 'FP16'
}

/** V2 datatype of an onnxruntime tensor type ('float32' -> 'FP32'). */
export function v2Datatype (ortType: string): string {
  return ORT_TO_V2[ortType] ?? 'BYTES'
}

/** Datatype of a typed array as the batcher hands it back. */
export function datatypeOf (data: TensorData): string {
  if (data instanceof Float32Array) return 'FP32'
  if (data instanceof Float64Array) return 'FP64'
  if (data instanceof BigInt64Array) return 'INT64'
  if (data instanceof Int32Array) return 'INT32'
  if (data instanceof Uint8Array) return 'BOOL'
  return 'BYTES'
}

export function elementCount (shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1)
}

/** Deepest nesting of JSON `data` accepted; a [batch, features] tensor needs 2. */
export const MAX_DATA_DEPTH = 32

/** Why a value cannot be a float32 input, or null when it can. */
export function float32Problem (v: unknown): string | null {
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'is not a finite number'
  if (v > FLOAT32_MAX || v < -FLOAT32_MAX) return `is ${v}, outside the float32 range (+/-${FLOAT32_MAX})`
  return null
}

/**
 * Flattens JSON `data` (nested or flat, row-major) into float32, checking it has `count` finite
 * float32 numbers. The walk is iterative with a depth limit (deep nesting is a 400, not a stack
 * overflow), and keeps no more than `count` values whatever the body holds.
 */
export function float32FromJson (data: unknown, count: number, input: string): Float32Array {
  const out = new Float32Array(count)
  let n = 0
  const take = (v: unknown) => {
    if (n < count) {
      const problem = float32Problem(v)
      if (problem !== null) throw new TensorInvalidError(`inference input '${input}' element ${n} ${problem}`)
      out[n] = v as number
    }
    n++
  }
  if (!Array.isArray(data)) take(data)
  else {
    const arrays: unknown[][] = [data]
    const next: number[] = [0]
    while (arrays.length > 0) {
      const top = arrays.length - 1
      const a = arrays[top]
      if (next[top] === a.length) { arrays.pop(); next.pop(); continue }
      const v = a[next[top]++]
      if (!Array.isArray(v)) { take(v); continue }
      if (arrays.length >= MAX_DATA_DEPTH) throw new TensorInvalidError(`inference input '${input}' data is nested deeper than ${MAX_DATA_DEPTH} levels`)
      arrays.push(v)
      next.push(0)
    }
  }
  if (n !== count) {
    throw new TensorInvalidError(`unexpected number of elements for inference input '${input}': got ${n}, expected ${count} from its shape`)
  }
  return out
}

/** Reads FP32 little-endian bytes, copying so the result is aligned whatever the buffer offset; NaN and +/-Infinity are refused. */
export function float32FromBytes (bytes: Uint8Array, count: number, input: string): Float32Array {
  if (bytes.byteLength !== count * 4) {
    throw new TensorInvalidError(`unexpected total byte size ${bytes.byteLength} for inference input '${input}', expecting ${count * 4}`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(count)
  for (let i = 0; i < count; i++) {
    const v = view.getFloat32(i * 4, true)
    if (!Number.isFinite(v)) throw new TensorInvalidError(`inference input '${input}' element ${i} is ${v}, not a finite float32`)
    out[i] = v
  }
  return out
}

/** Little-endian bytes of an output tensor (BYTES: 4-byte length prefix per element). */
export function toLittleEndianBytes (data: TensorData): Buffer {
  if (Array.isArray(data)) {
    return Buffer.concat(data.flatMap((s) => {
      const body = Buffer.from(String(s))
      const len = Buffer.alloc(4)
      len.writeUInt32LE(body.length)
      return [len, body]
    }))
  }
  const out = Buffer.alloc(data.byteLength)
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength)
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i], true)
    else if (data instanceof Float64Array) view.setFloat64(i * 8, data[i], true)
    else if (data instanceof BigInt64Array) view.setBigInt64(i * 8, data[i], true)
    else if (data instanceof Int32Array) view.setInt32(i * 4, data[i], true)
    else view.setUint8(i, (data as Uint8Array)[i])
  }
  return out
}

/** JSON `data` of an output tensor: flat, row-major; int64 as numbers (class indices are small). */
export function toJsonData (data: TensorData): Array<number | string | boolean> {
  if (Array.isArray(data)) return data
  if (data instanceof BigInt64Array) return Array.from(data, Number)
  if (data instanceof Uint8Array) return Array.from(data, (b) => b !== 0)
  return Array.from(data as Float32Array)
}
