// Model instances on worker threads (issue 16, deliverable 2), two questions in one run:
// 1. Isolation: iris /api/v1/classify p99 (8 connections) on an idle gateway, and while the wide MLP
//    (4-2048-2048-3, bench/wide_mlp.py) is saturated by 256 connections: with the wide MLP on a worker
//    thread (the default the load-time probe picks) and, for reference, on the main thread.
// 2. Scaling: wide-MLP rows/s through /classify/batch (64-row requests, so the load generator costs
//    little) with 1 and with 2 worker instances.
// Rounds are interleaved (each round runs every scenario once, the order rotated) and each row shows
// the median round; the machine is shared, so the spread of the rounds is printed too.
import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cannon, median, root, startProcess, toRow, warmUp, type BenchModule, type BenchRow, type Proc } from './lib.js'

const ROUNDS = 3
const SAMPLE = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const irisBody = JSON.stringify(SAMPLE)
const rowsBody = (n: number) => JSON.stringify({ instances: Array.from({ length: n }, (_, i) => ({ ...SAMPLE, sepal_length: 4.5 + (i % 20) * 0.15 })) })
const noCache = { 'cache-control': 'no-cache' }
// Saturation: 256 connections of 8-row requests keep the batcher's queue full (64-row runs) while the
// request rate, and so the load generator's own CPU, stays low.
const HEAVY_ROWS = 8
const SCALE_ROWS = 64

const isolation: BenchModule = async ({ durationSec }) => {
  const models = await mkdtemp(join(tmpdir(), 'bench-isolation-'))
  const gateways: Proc[] = []
  try {
    execFileSync(join(root, '.venv', 'bin', 'python'), [join(root, 'bench', 'wide_mlp.py'), models, '2048'], { stdio: 'ignore' })
    await cp(join(root, 'models', 'iris'), join(models, 'iris'), { recursive: true })
    const env = { MODELS_DIR: models, GRPC_ENABLED: 'false', PREDICTION_LOG_ENABLED: 'false', PLUGIN_TIMEOUT_MS: '300000' }
    // Three gateways each open the wide MLP two or three times: on a busy machine that outlasts startGateway's 60 s.
    const start = async (extra: Record<string, string>) => {
      const g = await startProcess(process.execPath, [join(root, 'dist', 'server.js')], { env: { LOG_LEVEL: 'warn', GRPC_PORT: '0', ...env, ...extra }, timeoutMs: 300_000 })
      gateways.push(g)
      return g
    }
    const one = await start({ INSTANCE_COUNT: '1' })
    const two = await start({ INSTANCE_COUNT: '2' })
    const onMain = await start({ INSTANCE_KIND: 'main' })
    const iris = (g: Proc) => ({ url: `${g.url}/api/v1/classify`, body: irisBody, headers: noCache, connections: 8 })
    const heavy = (g: Proc) => ({ url: `${g.url}/api/v1/classify/batch?model=wide_mlp`, body: rowsBody(HEAVY_ROWS), headers: noCache, connections: 256 })
    const scale = (g: Proc) => ({ url: `${g.url}/api/v1/classify/batch?model=wide_mlp`, body: rowsBody(SCALE_ROWS), headers: noCache, connections: 8 })
    for (const g of [one, two, onMain]) {
      await warmUp(iris(g))
      await warmUp({ ...scale(g), connections: 2 })
    }

    /** A run where no request was answered has no latency figures: its p99 is at least the run's length. */
    const irisRow = (scenario: string, r: Awaited<ReturnType<typeof cannon>>): BenchRow => r.requests.total > 0
      ? toRow(scenario, 'gateway', 8, r)
      : { ...toRow(scenario, 'gateway', 8, r), p50_ms: durationSec * 1000, p99_ms: durationSec * 1000, note: `no request answered within the ${durationSec} s run (p99 >= ${durationSec * 1000} ms)` }

    /** iris p99 while the wide MLP is saturated on `g`; the heavy load starts first and ends last. */
    async function irisUnderLoad (g: Proc) {
      const load = cannon({ ...heavy(g), durationSec: durationSec + 3 })
      await new Promise((resolve) => setTimeout(resolve, 1500))
      const light = await cannon({ ...iris(g), durationSec })
      const h = await load
      return { light, heavyRow: toRow('wide MLP load (8-row batch requests)', 'gateway', 256, h, { rows_per_sec: Math.round(h.requests.total * HEAVY_ROWS / h.duration) }) }
    }

    const scenarios: Record<string, () => Promise<BenchRow>> = {
      idle: async () => irisRow('iris classify, gateway idle', await cannon({ ...iris(one), durationSec })),
      worker: async () => {
        const { light, heavyRow } = await irisUnderLoad(one)
        const row = irisRow('iris classify, wide MLP saturated on 1 worker thread', light)
        return { ...row, note: `${row.note ?? ''} load: ${heavyRow.rows_per_sec} rows/s, p99 ${heavyRow.p99_ms} ms, ${heavyRow.errors} errors` }
      },
      main: async () => {
        const { light, heavyRow } = await irisUnderLoad(onMain)
        const row = irisRow('iris classify, wide MLP saturated on the main thread (INSTANCE_KIND=main)', light)
        return { ...row, note: `${row.note ?? ''} load: ${heavyRow.rows_per_sec} rows/s, p99 ${heavyRow.p99_ms} ms, ${heavyRow.errors} errors` }
      },
      one: async () => {
        const r = await cannon({ ...scale(one), durationSec })
        return toRow('wide MLP /classify/batch (64 rows), 1 worker instance', 'gateway', 8, r, { rows_per_sec: Math.round(r.requests.total * SCALE_ROWS / r.duration) })
      },
      two: async () => {
        const r = await cannon({ ...scale(two), durationSec })
        return toRow('wide MLP /classify/batch (64 rows), 2 worker instances', 'gateway', 8, r, { rows_per_sec: Math.round(r.requests.total * SCALE_ROWS / r.duration) })
      }
    }
    const keys = Object.keys(scenarios)
    const runs: Record<string, BenchRow[]> = Object.fromEntries(keys.map((k) => [k, []]))
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[(i + round) % keys.length]
        runs[k].push(await scenarios[k]())
      }
    }

    const byP99 = (k: string) => [...runs[k]].sort((a, b) => a.p99_ms - b.p99_ms)[Math.floor(ROUNDS / 2)]
    const byRows = (k: string) => [...runs[k]].sort((a, b) => (a.rows_per_sec ?? 0) - (b.rows_per_sec ?? 0))[Math.floor(ROUNDS / 2)]
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`
    // Ratios are taken within a round (the runs closest in time), then the median of the rounds.
    const p99Ratios = (k: string) => runs[k].map((r, i) => r.p99_ms / Math.max(0.001, runs.idle[i].p99_ms))
    const rowRatios = runs.two.map((r, i) => (r.rows_per_sec ?? 0) / Math.max(1, runs.one[i].rows_per_sec ?? 0))
    const note = `median of ${ROUNDS} interleaved rounds of ${durationSec} s`
    const rows: BenchRow[] = [{ ...byP99('idle'), note: `${note}; p99s ${runs.idle.map((r) => r.p99_ms).join(', ')} ms` }]
    for (const k of ['worker', 'main']) {
      rows.push({ ...byP99(k), ratio: median(p99Ratios(k)), baseline: 'idle p99', note: `p99 ratio (target <= 2 with workers) per round ${range(p99Ratios(k))}; ${byP99(k).note ?? ''}` })
    }
    rows.push({ ...byRows('one'), note: `${note}; rows/s ${runs.one.map((r) => r.rows_per_sec).join(', ')}` })
    rows.push({ ...byRows('two'), ratio: median(rowRatios), baseline: '1 worker instance', note: `rows/s ratio (target >= 1.5) per round ${range(rowRatios)}; rows/s ${runs.two.map((r) => r.rows_per_sec).join(', ')}` })
    return rows
  } finally {
    await Promise.all(gateways.map((g) => g.stop()))
    await rm(models, { recursive: true, force: true })
  }
}

export default isolation
