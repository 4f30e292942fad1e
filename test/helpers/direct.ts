// Predictions straight from onnxruntime-node, without the gateway, to compare protocol answers to.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { projectRoot } from '../../services/lib/project-root.js'

export const ROWS = [[5.1, 3.5, 1.4, 0.2], [6.4, 3.2, 4.5, 1.5], [6.3, 3.3, 6.0, 2.5]]

export async function directPredict (model: string, rows: number[][] = ROWS): Promise<{ probabilities: number[][], labels: number[] }> {
  const session = await ort.InferenceSession.create(await readFile(join(projectRoot, 'models', model, '1', 'model.onnx')))
  const out = await session.run({ float_input: new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, 4]) })
  await session.release()
  const p = out.probabilities.data as Float32Array
  const k = p.length / rows.length
  return {
    probabilities: rows.map((_, r) => Array.from(p.subarray(r * k, (r + 1) * k))),
    labels: Array.from(out.label.data as BigInt64Array, Number)
  }
}

/** Asserts two matrices agree within `eps` (float32 values printed through JSON or protobuf). */
export function close (a: number[][], b: number[][], eps = 1e-6): boolean {
  return a.length === b.length && a.every((row, r) => row.length === b[r].length && row.every((v, c) => Math.abs(v - b[r][c]) <= eps))
}
