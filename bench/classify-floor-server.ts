// The floor of /api/v1/classify: a bare Fastify route that runs the same ONNX model through the same
// adaptive batcher and onnxruntime settings (1 intra-op thread), with no validation, cache, metrics,
// prediction log or request log. The gateway's features cost what it spends above this row; the
// distance from this row to the JSON-echo ceiling is the model run itself.
import { join } from 'node:path'
import Fastify from 'fastify'
import * as ort from 'onnxruntime-node'
import { createBatcher } from '../services/inference/batcher.js'
import { projectRoot } from '../services/lib/project-root.js'

const session = await ort.InferenceSession.create(join(projectRoot, 'models/iris/1/model.onnx'), { intraOpNumThreads: 1, interOpNumThreads: 1 })
const batcher = createBatcher(async (input, rows) => {
  const out = await session.run({ float_input: new ort.Tensor('float32', input, [rows, 4]) }, ['probabilities'])
  return { probabilities: { data: out.probabilities.data as Float32Array, dims: out.probabilities.dims } }
}, { name: 'iris', rowWidth: 4, enabled: true, maxBatchSize: 64, maxQueueSize: 2048, maxQueueDelayMicros: 0 })
const CLASSES = ['setosa', 'versicolor', 'virginica']

const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'warn' } })
app.post('/api/v1/classify', async (request) => {
  const b = request.body as Record<string, number>
  const out = await batcher.run(Float32Array.of(b.sepal_length, b.sepal_width, b.petal_length, b.petal_width), 1)
  const p = Array.from(out.probabilities.data as Float32Array)
  const best = p.indexOf(Math.max(...p))
  return { predicted_class: CLASSES[best], predicted_class_index: best, probabilities: p, confidence: p[best] }
})
app.get('/health/live', async () => ({ status: 'ok' }))
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) })
process.on('SIGTERM', () => { void app.close().then(() => session.release()).then(() => process.exit(0)) })
