// Classification throughput: /api/v1/classify and /classify/batch against the ceiling, and adaptive
// batching on vs off at 256 connections.
import { join } from 'node:path'
import { cannon, root, startGateway, startProcess, toRow, warmUp, type BenchModule, type BenchRow } from './lib.js'

const SAMPLE = { sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }
const body = JSON.stringify(SAMPLE)
const batchBody = JSON.stringify({ instances: Array.from({ length: 32 }, (_, i) => ({ ...SAMPLE, sepal_length: 4.5 + (i % 20) * 0.15 })) })
// The exact cache, where enabled, must not answer for the model: every request asks to bypass it.
const headers = { 'cache-control': 'no-cache' }

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
    for (const connections of [64, 256]) {
      const c = toRow('json echo (ceiling)', 'ceiling', connections, await cannon({ url: `${ceiling.url}/echo`, body, connections, durationSec }))
      rows.push(c)
      let floorRps = 0
      if (connections === 64) {
        const f = toRow('classify floor (bare route: batcher + onnxruntime only)', 'floor', connections, await cannon({ url: `${floor.url}/api/v1/classify`, body, connections, durationSec }))
        rows.push({ ...f, ratio: f.requests_per_sec / c.requests_per_sec, baseline: 'ceiling', note: 'the model run without any gateway feature' })
        floorRps = f.requests_per_sec
      }
      const g = toRow('classify', 'gateway', connections, await cannon({ url: `${gateway.url}/api/v1/classify`, body, headers, connections, durationSec }))
      const vsFloor = floorRps > 0 ? `; ${(g.requests_per_sec / floorRps).toFixed(2)} x the floor` : ''
      rows.push({ ...g, ratio: g.requests_per_sec / c.requests_per_sec, baseline: 'ceiling', note: `batching on${vsFloor}` })
      if (connections === 256) {
        const o = toRow('classify', 'gateway', connections, await cannon({ url: `${off.url}/api/v1/classify`, body, headers, connections, durationSec }))
        rows.push({ ...o, ratio: o.requests_per_sec / c.requests_per_sec, baseline: 'ceiling', note: 'batching off' })
      }
    }
    const b = await cannon({ url: `${gateway.url}/api/v1/classify/batch`, body: batchBody, headers, connections: 64, durationSec })
    const batchRow = toRow('classify/batch (32 rows)', 'gateway', 64, b)
    const single = rows.find((r) => r.scenario === 'classify' && r.connections === 64)!
    rows.push({ ...batchRow, rows_per_sec: batchRow.requests_per_sec * 32, ratio: (batchRow.requests_per_sec * 32) / single.requests_per_sec, baseline: 'classify rows/s', note: 'ratio: rows/s vs single-row classify' })
  } finally {
    await Promise.all([ceiling.stop(), floor.stop(), gateway.stop(), off.stop()])
  }
  return rows
}

export default classify
