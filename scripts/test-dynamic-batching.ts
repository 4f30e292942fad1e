// Sequential vs concurrent KServe V2 inference against any V2 endpoint (Triton, or the gateway's
// /v2 front), like the seed's scripts/test_dynamic_batching.py: concurrent requests let the server's
// dynamic batcher merge them, which shows as higher throughput.
// Usage: npm run test:dynamic-batching -- --url http://127.0.0.1:8000 --model iris_onnx --num-requests 200 --concurrency 16 [--binary]
import { parseArgs } from 'node:util'
import { loadServices } from '../services/protocols/grpc/protos.js'
import { createKServeClient } from '../services/protocols/kserve/client/client.js'
import { timingStats } from '../services/inference/results.js'

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8000' },
    model: { type: 'string', default: 'iris_onnx' },
    'num-requests': { type: 'string', default: '200' },
    concurrency: { type: 'string', default: '16' },
    binary: { type: 'boolean', default: false },
    'timeout-ms': { type: 'string', default: '10000' }
  }
})
const total = Number(values['num-requests'])
const concurrency = Number(values.concurrency)
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error('--num-requests and --concurrency must be positive integers')
  process.exit(2)
}

const client = createKServeClient({ upstream: values.url, httpUrl: values.url, timeoutMs: Number(values['timeout-ms']), GrpcClient: loadServices().GRPCInferenceService, connections: concurrency })
const protocol = values.binary ? 'http-binary' : 'http-json'
// Iris-like samples (setosa, versicolor, virginica means), cycled.
const SAMPLES = [[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0]]

async function run (workers: number) {
  const times: number[] = []
  let errors = 0
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: workers }, async () => {
    while (next < total) {
      const i = next++
      const start = performance.now()
      try {
        await client.infer(protocol, values.model, '', { input: 'float_input', rows: Float32Array.from(SAMPLES[i % 3]), nRows: 1, outputs: ['probabilities'] })
        times.push(performance.now() - start)
      } catch (err) {
        errors++
        if (errors === 1) console.error(`first error: ${(err as Error).message}`)
      }
    }
  }))
  const seconds = (performance.now() - t0) / 1000
  return { seconds, rps: times.length / seconds, stats: timingStats(times), errors }
}

const fmt = (x: number, w: number, d = 2) => x.toFixed(d).padStart(w)
const line = (mode: string, workers: number, r: Awaited<ReturnType<typeof run>>) =>
  `${mode.padEnd(12)}${String(total).padStart(9)}${String(workers).padStart(13)}${fmt(r.seconds, 9, 3)}${fmt(r.rps, 11, 1)}${fmt(r.stats.mean_ms, 9)}${fmt(r.stats.p50_ms, 8)}${fmt(r.stats.p95_ms, 8)}${String(r.errors).padStart(8)}`

console.log(`Dynamic batching demo: ${values.url} model ${values.model}, ${total} requests, ${protocol}`)
await run(Math.min(concurrency, 4)) // warm-up: connections and the model's first runs
const sequential = await run(1)
const concurrent = await run(concurrency)
console.log(`${'mode'.padEnd(12)}${'requests'.padStart(9)}${'concurrency'.padStart(13)}${'total_s'.padStart(9)}${'req_per_s'.padStart(11)}${'mean_ms'.padStart(9)}${'p50_ms'.padStart(8)}${'p95_ms'.padStart(8)}${'errors'.padStart(8)}`)
console.log(line('sequential', 1, sequential))
console.log(line('concurrent', concurrency, concurrent))
console.log(`Batching improvement: ${(concurrent.rps / sequential.rps).toFixed(2)}x throughput`)
await client.close()
process.exitCode = sequential.errors + concurrent.errors > 0 ? 1 : 0
