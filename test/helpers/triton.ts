// Real Triton for tests: PyTriton's bundled tritonserver serving the iris model (test/python/pytriton_server.py)
// on free ports, ready once the model itself is ready (the server is ready before the model loads).
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from '../../bench/lib.js'
import { projectRoot } from '../../services/lib/project-root.js'
import { startPython } from './python.js'

export async function startTriton (t: Test, opts: { model?: string, maxQueueSize?: number } = {}) {
  const [http, grpc, metrics] = [await freePort(), await freePort(), await freePort()]
  const args = [join(projectRoot, 'test/python/pytriton_server.py'), '--http-port', String(http), '--grpc-port', String(grpc), '--metrics-port', String(metrics)]
  if (opts.model !== undefined) args.push('--model', opts.model)
  if (opts.maxQueueSize !== undefined) args.push('--max-queue-size', String(opts.maxQueueSize))
  const httpUrl = `http://127.0.0.1:${http}`
  // Both models (iris_onnx and the slow copy) must be loaded, not just the server.
  const ready = async (m: string) => (await fetch(`${httpUrl}/v2/models/${m}/ready`)).status === 200
  const server = await startPython(args, async () => await ready('iris_onnx') && await ready('iris_onnx_slow'), { timeoutMs: 180_000 })
  t.teardown(server.stop)
  return { httpUrl, grpcUrl: `127.0.0.1:${grpc}`, metricsUrl: `http://127.0.0.1:${metrics}`, stop: server.stop }
}
