// Serving protocols on the gateway: KServe V2 REST (JSON and binary tensors) vs gRPC ModelInfer on
// the same model, next to a bare-Fastify ceiling; and the adaptive batcher on vs off at 256
// connections with a heavy model generated here (a wide MLP), where batching pays off.
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as grpc from '@grpc/grpc-js'
import { cannon, root, startGateway, startProcess, toRow, type BenchModule, type BenchRow } from './lib.js'
import { loadServices } from '../services/protocols/grpc/protos.js'

const ROW = [5.1, 3.5, 1.4, 0.2]
const jsonBody = () => JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: ROW }] })
const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }], parameters: { binary_data_output: true } }))
const binaryBody = Buffer.concat([header, Buffer.from(Float32Array.from(ROW).buffer)])

/** Closed-loop gRPC load: `connections` calls in flight on one HTTP/2 channel (how gRPC clients multiplex), for `durationSec`. */
async function grpcLoad (port: number, model: string, connections: number, durationSec: number) {
  const { GRPCInferenceService } = loadServices()
  const clients = [new GRPCInferenceService(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as any]
  const request = { model_name: model, inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.from(Float32Array.from(ROW).buffer)] }
  let latencies: number[] = []
  let errors = 0
  const loop = (seconds: number) => {
    const end = Date.now() + seconds * 1000
    return Promise.all(Array.from({ length: connections }, async (_, i) => {
      const c = clients[i % clients.length]
      while (Date.now() < end) {
        const t0 = performance.now()
        await new Promise<void>((resolve) => c.ModelInfer(request, { deadline: Date.now() + 10_000 }, (err: Error | null) => {
          if (err !== null) errors++
          else latencies.push(performance.now() - t0)
          resolve()
        }))
      }
    }))
  }
  // Warm-up (connection, JIT of the client and server paths), as autocannon's runs follow others.
  await loop(2)
  latencies = []
  errors = 0
  await loop(durationSec)
  for (const c of clients) c.close()
  latencies.sort((a, b) => a - b)
  const q = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] * 100) / 100
  return { requests_per_sec: Math.round(latencies.length / durationSec), p50_ms: q(0.5), p99_ms: q(0.99), errors }
}

async function grpcPortOf (url: string): Promise<number> {
  const health = await (await fetch(`${url}/health`)).json() as { dependencies: { grpc: { port: number } } }
  return health.dependencies.grpc.port
}

const protocols: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const connections = 64

  // 1. REST vs gRPC on the same model (iris), same gateway, same concurrency.
  const ceiling = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ceiling-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const gateway = await startGateway({ GRPC_HOST: '127.0.0.1' })
  try {
    const c = toRow('json echo (ceiling)', 'ceiling', connections, await cannon({ url: `${ceiling.url}/echo`, body: jsonBody(), connections, durationSec }))
    rows.push(c)
    await cannon({ url: `${gateway.url}/v2/models/iris/infer`, body: jsonBody(), connections, durationSec: 1 }) // warm-up
    const rest = toRow('V2 REST infer (JSON)', 'gateway', connections, await cannon({ url: `${gateway.url}/v2/models/iris/infer`, body: jsonBody(), connections, durationSec }))
    rows.push({ ...rest, ratio: rest.requests_per_sec / c.requests_per_sec, baseline: 'ceiling' })
    const bin = toRow('V2 REST infer (binary tensors)', 'gateway', connections, await cannon({
      url: `${gateway.url}/v2/models/iris/infer`, body: binaryBody, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, connections, durationSec
    }))
    rows.push({ ...bin, ratio: bin.requests_per_sec / rest.requests_per_sec, baseline: 'V2 REST JSON' })
    const g = await grpcLoad(await grpcPortOf(gateway.url), 'iris', connections, durationSec)
    rows.push({ scenario: 'gRPC ModelInfer (raw contents)', target: 'gateway', connections, ...g, non_2xx: 0, ratio: g.requests_per_sec / rest.requests_per_sec, baseline: 'V2 REST JSON', note: 'grpc-js client, closed loop, one channel' })
  } finally {
    await Promise.all([ceiling.stop(), gateway.stop()])
  }

  // 2. Adaptive batching on vs off, 256 connections, one row per request, heavy model.
  const models = await mkdtemp(join(tmpdir(), 'bench-protocols-'))
  try {
    execFileSync(join(root, '.venv', 'bin', 'python'), [join(root, 'bench', 'wide_mlp.py'), models, '2048'], { stdio: 'ignore' })
    await cp(join(root, 'models', 'iris'), join(models, 'iris'), { recursive: true })
    const env = { MODELS_DIR: models, GRPC_ENABLED: 'false' }
    const on = await startGateway({ ...env, BATCHING: 'true' })
    const off = await startGateway({ ...env, BATCHING: 'false' })
    try {
      const url = (p: { url: string }) => `${p.url}/v2/models/wide_mlp/infer`
      const offRow = toRow('V2 infer wide MLP (4-2048-2048-3)', 'gateway', 256, await cannon({ url: url(off), body: jsonBody(), connections: 256, durationSec }))
      rows.push({ ...offRow, rows_per_sec: offRow.requests_per_sec, note: 'batching off' })
      const onRow = toRow('V2 infer wide MLP (4-2048-2048-3)', 'gateway', 256, await cannon({ url: url(on), body: jsonBody(), connections: 256, durationSec }))
      rows.push({ ...onRow, rows_per_sec: onRow.requests_per_sec, ratio: onRow.requests_per_sec / Math.max(1, offRow.requests_per_sec), baseline: 'batching off', note: 'batching on (BATCH_MAX_SIZE 64)' })
    } finally {
      await Promise.all([on.stop(), off.stop()])
    }
  } finally {
    await rm(models, { recursive: true, force: true })
  }
  return rows
}

export default protocols
