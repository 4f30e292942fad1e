// Triton's classification extension: an output requested with `classification: N` is replaced by
// the top N entries of each batch row as BYTES strings "<value>:<index>[:<label>]", highest first.
// The value is printed as C++ std::to_string prints it (six decimals for floats), as Triton does.
import type { TensorData } from '../../../inference/batcher.js'
import { TensorInvalidError } from '../../../lib/errors.js'

export interface ClassifiedTensor { shape: number[], data: string[] }

const ORDERED = new Set(['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64'])

/** The class count a requested output's parameters ask for: 0 (none) or a positive integer. */
export function classCount (output: string, value: unknown): number {
  if (value === undefined || value === null) return 0
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TensorInvalidError(`output '${output}' parameter 'classification' must be a non-negative integer, got ${JSON.stringify(value)}`)
  }
  return value
}

/**
 * Top-`k` classes of each of `rows` rows of `data` (row-major, `data.length / rows` values per
 * row). Ties keep the lower index first. `labels[i]`, when given, names class i.
 */
export function topK (output: string, datatype: string, data: TensorData, rows: number, k: number, labels: readonly string[] | null): ClassifiedTensor {
  if (!ORDERED.has(datatype)) throw new TensorInvalidError(`class result not available for output '${output}' due to unsupported type '${datatype}'`)
  const width = rows === 0 ? 0 : data.length / rows
  const n = Math.min(k, width)
  const isFloat = datatype === 'FP32' || datatype === 'FP64'
  const out: string[] = []
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: width }, (_, i) => Number((data as ArrayLike<number | bigint>)[r * width + i]))
    const order = row.map((_, i) => i).sort((a, b) => row[b] - row[a] || a - b)
    for (const i of order.slice(0, n)) {
      const value = isFloat ? row[i].toFixed(6) : String(row[i])
      const label = labels?.[i]
      out.push(label === undefined ? `${value}:${i}` : `${value}:${i}:${label}`)
    }
  }
  return { shape: [rows, n], data: out }
}
