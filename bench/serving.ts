// KServe V2 REST infer at 64 connections: the gateway's /v2 front (in-process onnxruntime behind its
// adaptive batcher) against the real Triton (PyTriton's tritonserver, Python onnxruntime behind
// Triton's dynamic batcher) on the same model and body, plus the JSON echo ceiling, in one run.
import { join } from 'node:path'
import { cannon, freePort, root, startGateway, startProcess, toRow, type BenchModule, type BenchRow } from './lib.js'

const infer = (model: string) => ({
  path: `/v2/models/${model}/infer`,
  body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] })
})

const serving: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const connections = 64
  const [grpc, metrics] = [await freePort(), await freePort()]
  const http = await freePort()
  const triton = await startProcess(join(root, '.venv', 'bin', 'python'), [join(root, 'test', 'python', 'pytriton_server.py'), '--http-port', String(http), '--grpc-port', String(grpc), '--metrics-port', String(metrics), '--max-queue-size', '0'], { port: http, readyPath: '/v2/models/iris_onnx/ready', timeoutMs: 180_000 })
  const ceiling = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ceiling-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const gateway = await startGateway()
  try {
    const c = toRow('json echo (ceiling)', 'ceiling', connections, await cannon({ url: `${ceiling.url}/echo`, body: infer('iris').body, connections, durationSec }))
    rows.push(c)
    const g = infer('iris')
    const gw = toRow('V2 REST infer (JSON)', 'gateway', connections, await cannon({ url: `${gateway.url}${g.path}`, body: g.body, connections, durationSec }))
    const tr = infer('iris_onnx')
    const tt = toRow('V2 REST infer (JSON)', 'triton (pytriton)', connections, await cannon({ url: `${triton.url}${tr.path}`, body: tr.body, connections, durationSec }))
    rows.push({ ...tt, ratio: tt.requests_per_sec / c.requests_per_sec, baseline: 'ceiling' })
    rows.push({ ...gw, ratio: gw.requests_per_sec / Math.max(1, tt.requests_per_sec), baseline: 'triton (pytriton)', note: 'target >= 2x Triton req/s' })
  } finally {
    await Promise.all([triton.stop(), ceiling.stop(), gateway.stop()])
  }
  return rows
}

export default serving
