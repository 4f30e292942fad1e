// A local sentence encoder (e.g. all-MiniLM-L6-v2 exported to ONNX): WordPiece ids -> model ->
// mean pooling over real tokens -> L2 normalisation, as sentence-transformers does.
// Reads model.onnx and tokenizer.json from a directory; never downloads anything.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { normalize } from './vector-index.js'
import { createWordPiece, type TokenizerJson } from './wordpiece.js'

export interface Embedder {
  /** What produced the vectors (shown in stats; entries from another source are not comparable). */
  readonly source: string
  embed: (texts: string[]) => Promise<Float32Array[]>
}

export async function createOnnxEncoder (dir: string, opts: { maxTokens?: number, threads?: number } = {}): Promise<Embedder & { close: () => Promise<void> }> {
  const tokenizer = createWordPiece(JSON.parse(await readFile(join(dir, 'tokenizer.json'), 'utf8')) as TokenizerJson)
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: opts.threads ?? 1, interOpNumThreads: 1 })
  const maxTokens = opts.maxTokens ?? 256
  const output = session.outputNames.includes('last_hidden_state') ? 'last_hidden_state' : session.outputNames[0]

  async function embed (texts: string[]): Promise<Float32Array[]> {
    const encoded = texts.map((t) => tokenizer.encode(t, maxTokens).ids)
    const seq = Math.max(...encoded.map((ids) => ids.length))
    const n = texts.length
    const ids = new BigInt64Array(n * seq)
    const mask = new BigInt64Array(n * seq)
    encoded.forEach((row, r) => row.forEach((id, c) => { ids[r * seq + c] = BigInt(id); mask[r * seq + c] = 1n }))
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', ids, [n, seq]),
      attention_mask: new ort.Tensor('int64', mask, [n, seq])
    }
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n * seq), [n, seq])
    const result = await session.run(feeds, [output])
    const out = result[output]
    const data = out.data as Float32Array
    // An already pooled output [n, hidden] is used as is; a token output [n, seq, hidden] is mean-pooled.
    if (out.dims.length === 2) return encoded.map((_, r) => normalize(data.slice(r * out.dims[1], (r + 1) * out.dims[1])))
    const hidden = out.dims[2]
    return encoded.map((row, r) => {
      const sum = new Float32Array(hidden)
      for (let c = 0; c < row.length; c++) {
        const o = (r * seq + c) * hidden
        for (let h = 0; h < hidden; h++) sum[h] += data[o + h]
      }
      for (let h = 0; h < hidden; h++) sum[h] /= row.length
      return normalize(sum)
    })
  }

  return { source: `onnx:${dir}`, embed, close: () => session.release() }
}
