// HTTP framing of KServe V2 inference: the JSON header, the binary tensor extension
// (Inference-Header-Content-Length; binary tensors follow the JSON in input order) and responses
// with binary outputs when asked (per output `binary_data`, or request-level `binary_data_output`).
import { BodyTooLargeError, TensorInvalidError } from '../../../lib/errors.js'
import type { InferInput, InferOutput } from './inference.js'
import { ELEMENT_BYTES, elementCount, toJsonData, toLittleEndianBytes } from './tensors.js'

export type Parameters = Record<string, string | number | boolean>

export interface InferRequestJson {
  id?: string
  parameters?: Parameters
  inputs: Array<{ name: string, shape: number[], datatype: string, parameters?: Parameters, data?: unknown }>
  outputs?: Array<{ name: string, parameters?: Parameters }>
}

/** Splits a request body into its JSON header and the binary part that follows it. */
export function splitBody (body: Buffer, headerLength: string | undefined, maxJson = Infinity): { json: unknown, binary: Buffer } {
  let length = body.length
  if (headerLength !== undefined) {
    length = Number(headerLength)
    if (!Number.isInteger(length) || length < 0 || length > body.length) {
      throw new TensorInvalidError(`Inference-Header-Content-Length ${headerLength} is not between 0 and the body length ${body.length}`)
    }
    if (length > maxJson) throw new BodyTooLargeError(maxJson, 'PROTOCOL_JSON_BODY_LIMIT, the JSON header')
  }
  if (length === 0) return { json: null, binary: body }
  let json: unknown
  try {
    json = JSON.parse(body.subarray(0, length).toString('utf8'))
  } catch (err) {
    throw new TensorInvalidError(`failed to parse the request JSON: ${(err as Error).message}`)
  }
  return { json, binary: body.subarray(length) }
}

/** Inputs with their data: JSON `data`, or their slice of the binary part (`binary_data_size`). */
export function decodeInputs (req: InferRequestJson, binary: Buffer): InferInput[] {
  let offset = 0
  const inputs = req.inputs.map((i): InferInput => {
    const size = i.parameters?.binary_data_size
    const hasData = i.data !== undefined
    if ((size !== undefined) === hasData) {
      throw new TensorInvalidError(`input '${i.name}' must set exactly one of 'data' or 'parameters.binary_data_size'`)
    }
    if (size === undefined) return { name: i.name, datatype: i.datatype, shape: i.shape, data: i.data }
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || offset + size > binary.length) {
      throw new TensorInvalidError(`input '${i.name}' binary_data_size ${String(size)} exceeds the ${binary.length - offset} bytes left in the request body`)
    }
    // A fixed-size datatype's bytes follow from its declared shape: checked before any is read.
    const width = Object.hasOwn(ELEMENT_BYTES, i.datatype) ? ELEMENT_BYTES[i.datatype] : undefined
    if (width !== undefined && size !== elementCount(i.shape) * width) {
      throw new TensorInvalidError(`input '${i.name}' binary_data_size ${size} does not match its shape [${i.shape.join(',')}] of ${i.datatype} (${elementCount(i.shape) * width} bytes)`)
    }
    const raw = binary.subarray(offset, offset + size)
    offset += size
    return { name: i.name, datatype: i.datatype, shape: i.shape, raw }
  })
  if (offset !== binary.length) throw new TensorInvalidError(`${binary.length - offset} unexpected bytes after the last binary input`)
  return inputs
}

/** Which outputs go back as binary: per-output `binary_data` overrides `binary_data_output`. */
export function binaryOutputs (req: InferRequestJson | null): (name: string) => boolean {
  if (req === null) return () => true
  const all = req.parameters?.binary_data_output === true
  const per = new Map((req.outputs ?? []).map((o) => [o.name, o.parameters?.binary_data]))
  return (name) => {
    const own = per.get(name)
    return typeof own === 'boolean' ? own : all
  }
}

export interface InferResponseJson {
  model_name: string
  model_version: string
  id?: string
  outputs: Array<{ name: string, datatype: string, shape: number[], data?: unknown[], parameters?: Parameters }>
}

/** Plain JSON, or binary outputs after a JSON header of `headerLength` bytes. */
export type EncodedResponse = { json: InferResponseJson } | { binary: Buffer, headerLength: number }

export function encodeResponse (result: { model_name: string, model_version: string, outputs: InferOutput[] }, id: string | undefined, isBinary: (name: string) => boolean): EncodedResponse {
  const chunks: Buffer[] = []
  const outputs = result.outputs.map((o) => {
    const base = { name: o.name, datatype: o.datatype, shape: o.shape }
    if (!isBinary(o.name)) return { ...base, data: toJsonData(o.data) }
    const bytes = toLittleEndianBytes(o.data)
    chunks.push(bytes)
    return { ...base, parameters: { binary_data_size: bytes.length } }
  })
  const json: InferResponseJson = { model_name: result.model_name, model_version: result.model_version, ...(id !== undefined && id !== '' ? { id } : {}), outputs }
  if (chunks.length === 0) return { json }
  const header = Buffer.from(JSON.stringify(json))
  return { binary: Buffer.concat([header, ...chunks]), headerLength: header.length }
}
