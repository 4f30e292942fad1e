// Serving protocols on the gateway: KServe V2 REST (JSON and binary tensors) vs gRPC ModelInfer and
// the seed's Classify (measured with ghz, a Go gRPC load tool) on the same model, next to a
// bare-Fastify ceiling and to MLServer serving the same model; and the adaptive batcher on vs off at 256
// connections with a heavy model generated here (a wide MLP), where batching pays off.
import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cannon, median, root, startGateway, startProcess, toRow, type BenchModule, type BenchRow } from './lib.js'
import { mlserverVenv, prepareMlserverModel, startMlserver } from './peer-mlserver.js'

const ROW = [5.1, 3.5, 1.4, 0.2]
const jsonBody = () => JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: ROW }] })
const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }], parameters: { binary_data_output: true } }))
const binaryBody = Buffer.concat([header, Buffer.from(Float32Array.from(ROW).buffer)])

const SAMPLE = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const ROUNDS = 3
const ghzBin = join(root, '.cache', 'bin', 'ghz')
const GHZ_MODULE = 'github.com/bojand/ghz/cmd/ghz@v0.93.0'

/** ghz (a Go gRPC load tool, so the load is not measured through a Node client) from .cache/bin, installed there when missing. */
function ensureGhz (): string {
  if (existsSync(ghzBin)) return ghzBin
  process.stderr.write(`bench: ghz is missing: installing ${GHZ_MODULE} into .cache/bin (go install)\n`)
  execFileSync('go', ['install', GHZ_MODULE], { env: { ...process.env, GOBIN: join(root, '.cache', 'bin') }, stdio: 'inherit' })
  return ghzBin
}

interface GhzReport { count: number, rps: number, latencyDistribution: Array<{ percentage: number, latency: number }> | null, statusCodeDistribution: Record<string, number>, errorDistribution?: Record<string, number> }

/**
 * ghz closed loop: `concurrency` calls in flight over `connections` HTTP/2 connections for `durationSec`.
 * Requests per second counts the OK answers only.
 */
function ghz (target: string, proto: { file: string, dir: string }, call: string, data: unknown, concurrency: number, connections: number, durationSec: number): Promise<BenchRow & { ok: number }> {
  return new Promise((resolve, reject) => {
    execFile(ensureGhz(), ['--insecure', '--proto', proto.file, '--import-paths', proto.dir, '--call', call, '-d', JSON.stringify(data),
      '-c', String(concurrency), '--connections', String(connections), '-z', `${durationSec}s`, '--timeout', '10s', '--format', 'json', target],
    { maxBuffer: 64 << 20, timeout: (durationSec + 60) * 1000 }, (err, stdout, stderr) => {
      if (err !== null && stdout === '') return reject(new Error(`ghz failed: ${stderr}`, { cause: err }))
      const r = JSON.parse(stdout) as GhzReport
      const ok = r.statusCodeDistribution.OK ?? 0
      const q = (p: number) => Math.round((r.latencyDistribution?.find((d) => d.percentage === p)?.latency ?? 0) / 1e4) / 100
      // At the -z deadline ghz cuts the calls in flight (Unavailable "transport is closing" or
      // Canceled): up to `concurrency` of those are the end of the run, not errors.
      const cut = Math.min(concurrency, (r.statusCodeDistribution.Unavailable ?? 0) + (r.statusCodeDistribution.Canceled ?? 0))
      resolve({ scenario: call, target: 'gateway', connections: concurrency, requests_per_sec: Math.round(ok / durationSec), p50_ms: q(50), p99_ms: q(99), errors: r.count - ok - cut, non_2xx: 0, ok })
    })
  })
}

/** The run with the median req/s (its own latencies, not a mix of runs), errors summed over all. */
function medianRow (rs: BenchRow[]): BenchRow {
  const mid = [...rs].sort((a, b) => a.requests_per_sec - b.requests_per_sec)[Math.floor(rs.length / 2)]
  return { ...mid, errors: rs.reduce((a, r) => a + r.errors, 0), non_2xx: rs.reduce((a, r) => a + r.non_2xx, 0) }
}

async function grpcPortOf (url: string): Promise<number> {
  const health = await (await fetch(`${url}/health`)).json() as { dependencies: { grpc: { port: number } } }
  return health.dependencies.grpc.port
}

const protocols: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const connections = 64

  // 1. REST vs gRPC (ghz) on the same model, same gateway, 64 connections / 64 concurrent streams,
  // and the same V2 REST call on MLServer serving the same trees as a scikit-learn model. Rounds of
  // every target back to back, the order rotated each round; rows show the median run and the ratios
  // are medians of the rounds' own ratios.
  const tmp = await mkdtemp(join(tmpdir(), 'bench-protocols-peers-'))
  // ghz's proto parser (protoreflect 1.5) refuses proto3 `optional`; a copy without the label is the
  // same wire format (every feature is sent, none is 0).
  await writeFile(join(tmp, 'inference.proto'), (await readFile(join(root, 'proto', 'inference.proto'), 'utf8')).replace(/^(\s*)optional /gm, '$1'))
  const mlsDir = join(tmp, 'mlserver')
  let mlserver: Awaited<ReturnType<typeof startMlserver>> | null = null
  let mlsNote = ''
  if (existsSync(join(mlserverVenv, 'bin', 'mlserver'))) {
    await prepareMlserverModel(mlsDir)
    mlserver = await startMlserver(mlsDir)
  } else {
    mlsNote = 'MLServer not measured: .venv-mlserver is missing (bash scripts/setup-test-env.sh)'
  }
  const ceiling = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ceiling-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const gateway = await startGateway({ GRPC_HOST: '127.0.0.1' })
  try {
    const grpcTarget = `127.0.0.1:${await grpcPortOf(gateway.url)}`
    const v2 = { file: 'grpc_service.proto', dir: join(root, 'proto') }
    const iris = { file: 'inference.proto', dir: tmp }
    const modelInfer = { model_name: 'iris', inputs: [{ name: 'float_input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.from(Float32Array.from(ROW).buffer).toString('base64')] }
    const noCache = { 'cache-control': 'no-cache' }
    const rest = (url: string, body: string, headers: Record<string, string> = {}) => async (sec: number) => toRow('', '', connections, await cannon({ url, body, headers, connections, durationSec: sec }))
    const runSec = Math.max(2, Math.ceil(durationSec * 0.6))
    const targets: Record<string, (sec: number) => Promise<BenchRow>> = {
      ceiling: rest(`${ceiling.url}/echo`, jsonBody()),
      rest: rest(`${gateway.url}/v2/models/iris/infer`, jsonBody()),
      grpc1: async (sec) => await ghz(grpcTarget, v2, 'inference.GRPCInferenceService/ModelInfer', modelInfer, connections, 1, sec),
      grpc64: async (sec) => await ghz(grpcTarget, v2, 'inference.GRPCInferenceService/ModelInfer', modelInfer, connections, connections, sec),
      restClassify: rest(`${gateway.url}/api/v1/classify`, JSON.stringify(SAMPLE), noCache),
      grpcClassify: async (sec) => await ghz(grpcTarget, iris, 'iris.InferenceService/Classify', SAMPLE, connections, 1, sec),
      ...(mlserver !== null ? { mlserver: rest(`${mlserver.httpUrl}/v2/models/iris_onnx/infer`, jsonBody()) } : {})
    }
    const keys = Object.keys(targets)
    // Every target warmed the same way first (JIT, connections, MLServer's worker).
    for (const k of keys) await targets[k](1)
    const runs: Record<string, BenchRow[]> = Object.fromEntries(keys.map((k) => [k, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[(i + round) % keys.length]
        runs[k].push(await targets[k](runSec))
      }
    }
    const ratios = (k: string, base: string) => runs[k].map((r, i) => r.requests_per_sec / Math.max(1, runs[base][i].requests_per_sec))
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`
    const row = (k: string, scenario: string, target: string, base: string | null, baseline: string | undefined, note: string): BenchRow => {
      const r = ratios(k, base ?? k)
      return { ...medianRow(runs[k]), scenario, target, connections, ...(base !== null ? { ratio: median(r), baseline, note: `${note}; ratios ${range(r)}` } : { note }) }
    }
    const roundsNote = `median of ${ROUNDS} interleaved ${runSec} s runs`
    rows.push(row('ceiling', 'json echo (ceiling)', 'ceiling', null, undefined, `autocannon, 64 connections; ${roundsNote}`))
    rows.push(row('rest', 'V2 REST infer (JSON)', 'gateway', 'ceiling', 'ceiling', 'autocannon, 64 connections'))
    rows.push(row('grpc1', 'gRPC ModelInfer (raw contents)', 'gateway', 'rest', 'V2 REST JSON', 'ghz -c 64 over 1 connection (64 concurrent streams); target >= 0.8'))
    rows.push(row('grpc64', 'gRPC ModelInfer (raw contents)', 'gateway', 'rest', 'V2 REST JSON', 'ghz -c 64 over 64 connections (one stream each, as autocannon\'s 64 connections)'))
    rows.push(row('restClassify', 'REST /api/v1/classify', 'gateway', 'ceiling', 'ceiling', 'autocannon, 64 connections, cache bypassed'))
    rows.push(row('grpcClassify', 'gRPC iris Classify', 'gateway', 'restClassify', 'REST classify', 'ghz -c 64 over 1 connection'))
    if (mlserver !== null) {
      rows.push(row('mlserver', 'V2 REST infer (JSON)', 'mlserver', 'rest', 'gateway V2 REST JSON', 'MLServer 1.7 + mlserver-sklearn, same trees, default settings (1 inference worker); ratio = MLServer / gateway'))
      const r = ratios('rest', 'mlserver')
      rows.push({ ...medianRow(runs.rest), scenario: 'V2 REST infer (JSON): gateway vs MLServer', target: 'gateway', connections, ratio: median(r), baseline: 'MLServer V2 REST JSON', note: `target >= 5; ratios ${range(r)}` })
    } else {
      rows.push({ scenario: 'V2 REST infer (JSON)', target: 'mlserver', connections, requests_per_sec: 0, p50_ms: 0, p99_ms: 0, errors: 0, non_2xx: 0, note: mlsNote })
    }
    const bin = toRow('V2 REST infer (binary tensors)', 'gateway', connections, await cannon({
      url: `${gateway.url}/v2/models/iris/infer`, body: binaryBody, headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) }, connections, durationSec
    }))
    rows.push({ ...bin, ratio: bin.requests_per_sec / medianRow(runs.rest).requests_per_sec, baseline: 'V2 REST JSON', note: 'one run after the rounds' })
  } finally {
    await Promise.all([ceiling.stop(), gateway.stop(), mlserver?.stop()])
    await rm(tmp, { recursive: true, force: true })
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
