// What the dashboard and monitoring cost the gateway: the page and the chart library (static files),
// a Prometheus scrape of /metrics, and /health (which the Health page and load balancers poll),
// each against the bare-Fastify ceiling (GET /health/live) in the same run.
import { join } from 'node:path'
import { cannon, root, startGateway, startProcess, toRow, type BenchModule, type BenchRow } from './lib.js'

const CONNECTIONS = 16

const dashboard: BenchModule = async ({ durationSec }) => {
  const rows: BenchRow[] = []
  const ceiling = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ceiling-server.ts')], { env: { LOG_LEVEL: 'warn' } })
  const gateway = await startGateway({ GRPC_PORT: '0' })
  try {
    // Some traffic first, so /metrics carries the series a real scrape sees (histograms per route).
    await cannon({ url: `${gateway.url}/api/v1/classify`, body: JSON.stringify({ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }), connections: 4, durationSec: 1 })
    const c = toRow('GET /health/live (ceiling)', 'ceiling', CONNECTIONS, await cannon({ url: `${ceiling.url}/health/live`, method: 'GET', connections: CONNECTIONS, durationSec }))
    rows.push(c)
    const scenarios: Array<[string, string]> = [
      ['GET /health/live', '/health/live'],
      ['GET / (dashboard page)', '/'],
      ['GET chart.umd.min.js (~200 kB)', '/vendor/chart.js/chart.umd.min.js'],
      ['GET /metrics (Prometheus scrape)', '/metrics'],
      ['GET /health (every dependency)', '/health']
    ]
    for (const [scenario, path] of scenarios) {
      const r = toRow(scenario, 'gateway', CONNECTIONS, await cannon({ url: `${gateway.url}${path}`, method: 'GET', connections: CONNECTIONS, durationSec }))
      rows.push({ ...r, ratio: r.requests_per_sec / c.requests_per_sec, baseline: 'ceiling' })
    }
  } finally {
    await Promise.all([ceiling.stop(), gateway.stop()])
  }
  return rows
}

export default dashboard
