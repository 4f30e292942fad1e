// triton_model_repository/iris_onnx: config.pbtxt's inputs and outputs match the ONNX model's actual
// signature (names, types, per-row dims), the model file is the trained one, and the batching
// settings are where Triton 24.01+ expects them.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import * as ort from 'onnxruntime-node'
import { projectRoot } from '../services/lib/project-root.js'

const repo = join(projectRoot, 'triton_model_repository', 'iris_onnx')
const TYPES: Record<string, string> = { float32: 'TYPE_FP32', int64: 'TYPE_INT64', int32: 'TYPE_INT32', float64: 'TYPE_FP64', string: 'TYPE_STRING' }

interface Io { name: string, data_type: string, dims: number[], reshape?: number[] }

/** The entries of an `input [ ... ]` / `output [ ... ]` list (the subset of text proto we write). */
function ioList (text: string, key: 'input' | 'output'): Io[] {
  const list = new RegExp(`^${key} \\[([\\s\\S]*?)^\\]`, 'm').exec(text)?.[1] ?? ''
  return [...list.matchAll(/\{([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}/g)].map(([, body]) => {
    const nums = (s: string | undefined) => (s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '').map(Number)
    const reshape = /reshape: \{ shape: \[([^\]]*)\] \}/.exec(body)
    return {
      name: /name: "([^"]+)"/.exec(body)?.[1] ?? '',
      data_type: /data_type: (\w+)/.exec(body)?.[1] ?? '',
      dims: nums(/dims: \[([^\]]*)\]/.exec(body)?.[1]),
      ...(reshape !== null ? { reshape: nums(reshape[1]) } : {})
    }
  })
}

t.test('config.pbtxt matches the model in 1/model.onnx', async (t) => {
  const text = await readFile(join(repo, 'config.pbtxt'), 'utf8')
  const session = await ort.InferenceSession.create(join(repo, '1', 'model.onnx'))
  t.match(text, /^name: "iris_onnx"$/m)
  t.match(text, /^platform: "onnxruntime_onnx"$/m)
  const maxBatch = Number(/^max_batch_size: (\d+)$/m.exec(text)?.[1])
  t.equal(maxBatch, 64)

  for (const [key, meta] of [['input', session.inputMetadata], ['output', session.outputMetadata]] as const) {
    const declared = ioList(text, key)
    t.same(declared.map((d) => d.name), meta.map((m) => m.name), `${key} names`)
    for (const m of meta) {
      if (!m.isTensor) { t.fail(`${m.name} is not a tensor`); continue }
      const d = declared.find((x) => x.name === m.name) as Io
      t.equal(d.data_type, TYPES[m.type], `${m.name} type`)
      t.equal(typeof m.shape[0], 'string', `${m.name}: first dim is the symbolic batch`)
      const perRow = m.shape.slice(1).map(Number)
      // A [N] output is declared dims [1] and reshaped to [] per row.
      t.same(d.reshape ?? d.dims, perRow, `${m.name} per-row shape`)
    }
  }
  t.same(await readFile(join(repo, '1', 'model.onnx')), await readFile(join(projectRoot, 'models', 'iris', '1', 'model.onnx')), 'the served copy is the trained model')

  const batching = (/dynamic_batching \{([\s\S]*?)^\}/m.exec(text)?.[1] ?? '').replace(/#.*$/gm, '')
  const preferred = /preferred_batch_size: \[([^\]]*)\]/.exec(batching)?.[1].split(',').map(Number) ?? []
  t.same(preferred, [16, 32])
  t.ok(preferred.every((p) => p <= maxBatch), 'preferred sizes within max_batch_size')
  t.match(batching, /max_queue_delay_microseconds: \d+/)
  t.match(batching, /default_queue_policy \{[^}]*max_queue_size: 256/)
  t.notMatch(batching.replace(/default_queue_policy \{[^}]*\}/, ''), /max_queue_size/, 'max_queue_size only inside default_queue_policy')
})
