// Classification throughput: /api/v1/classify and /classify/batch against the ceiling, and adaptive
// batching on vs off at 256 connections.
import { join } from 'node:path'
import { cannon, median, root, startGateway, startProcess, toRow, warmUp, type BenchModule, type BenchRow } from './lib.js'

const SAMPLE = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const body = JSON.stringify(SAMPLE)
const batchBody = JSON.stringify({ instances: Array.from({ length: 32 }, (_, i) => ({ ...SAMPLE, sepal_length: 4.5 + (i % 20) * 0.15 })) })
// The exact cache, where enabled, must not answer for the model: every request asks to bypass it.
const headers = { 'cache-control': 'no-cache' }
const ROUNDS = 3

/** The run with the median req/s (its own latencies, not a mix of runs), errors summed over all. */
function medianRow (rs: BenchRow[]): BenchRow {
  const mid = [...rs].sort((a, b) => a.requests_per_sec - b.requests_per_sec)[Math.floor(rs.length / 2)]
  return { ...mid, errors: rs.reduce((a, r) => a + r.errors, 0), non_2xx: rs.reduce((a, r) => a + r.non_2xx, 0) }
}

const classify: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const ceiling = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ceiling-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const floor = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'classify-floor-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const gateway = await startGateway()
  const off = await startGateway({ BATCHING: 'false' })
  try {
    // Every process is warmed the same way first: a cold JIT would count against whoever runs first.
    await warmUp({ url: `${ceiling.url}/echo`, body, connections: 64 })
    await warmUp({ url: `${floor.url}/api/v1/classify`, body, connections: 64 })
    await warmUp({ url: `${gateway.url}/api/v1/classify`, body, headers, connections: 64 })
    await warmUp({ url: `${gateway.url}/api/v1/classify/batch`, body: batchBody, headers, connections: 64 })
    await warmUp({ url: `${off.url}/api/v1/classify`, body, headers, connections: 64 })
    // 64 connections, the target row: rounds of ceiling, floor and gateway back to back, the order
    // rotated each round, so a slow spell of the machine hits all three; each row shows its median run
    // and the ratios are medians of the rounds' own ratios.
    const targets = [
      { key: 'ceiling', scenario: 'json echo (ceiling)', url: `${ceiling.url}/echo`, headers: {} },
      { key: 'floor', scenario: 'classify floor (bare route: batcher + onnxruntime only)', url: `${floor.url}/api/v1/classify`, headers: {} },
      { key: 'gateway', scenario: 'classify', url: `${gateway.url}/api/v1/classify`, headers }
    ] as const
    const runs: Record<string, BenchRow[]> = { ceiling: [], floor: [], gateway: [] }
    const runSec = Math.max(2, Math.ceil(durationSec * 0.6))
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + round) % targets.length]
        runs[t.key].push(toRow(t.scenario, t.key === 'ceiling' ? 'ceiling' : t.key, 64, await cannon({ url: t.url, body, headers: t.headers, connections: 64, durationSec: runSec })))
      }
    }
    const ratios = (k: string, base: string) => runs[k].map((r, i) => r.requests_per_sec / runs[base][i].requests_per_sec)
    const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)}`
    const roundsNote = `median of ${ROUNDS} interleaved ${runSec} s runs`
    const ceiling64 = medianRow(runs.ceiling)
    rows.push({ ...ceiling64, note: roundsNote })
    rows.push({ ...medianRow(runs.floor), ratio: median(ratios('floor', 'ceiling')), baseline: 'ceiling', note: `the model run without any gateway feature; ratios ${range(ratios('floor', 'ceiling'))}` })
    const gateway64 = medianRow(runs.gateway)
    rows.push({ ...gateway64, ratio: median(ratios('gateway', 'ceiling')), baseline: 'ceiling', note: `batching on; ratios ${range(ratios('gateway', 'ceiling'))}; ${median(ratios('gateway', 'floor')).toFixed(2)} x the floor` })

    // 256 connections: batching on vs off, against the ceiling at the same concurrency.
    const c = toRow('json echo (ceiling)', 'ceiling', 256, await cannon({ url: `${ceiling.url}/echo`, body, connections: 256, durationSec }))
    rows.push(c)
    for (const [target, note] of [[gateway, 'batching on'], [off, 'batching off']] as const) {
      const g = toRow('classify', 'gateway', 256, await cannon({ url: `${target.url}/api/v1/classify`, body, headers, connections: 256, durationSec }))
      rows.push({ ...g, ratio: g.requests_per_sec / c.requests_per_sec, baseline: 'ceiling', note })
    }
    const b = await cannon({ url: `${gateway.url}/api/v1/classify/batch`, body: batchBody, headers, connections: 64, durationSec })
    const batchRow = toRow('classify/batch (32 rows)', 'gateway', 64, b)
    rows.push({ ...batchRow, rows_per_sec: batchRow.requests_per_sec * 32, ratio: (batchRow.requests_per_sec * 32) / gateway64.requests_per_sec, baseline: 'classify rows/s', note: 'ratio: rows/s vs single-row classify' })
  } finally {
    await Promise.all([ceiling.stop(), floor.stop(), gateway.stop(), off.stop()])
  }
  return rows
}

export default classify
