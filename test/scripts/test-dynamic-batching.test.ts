// scripts/test-dynamic-batching.ts run briefly against the gateway's own V2 front: the table's
// numbers parse and agree with each other (throughput = requests / total time, ordered percentiles).
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { projectRoot } from '../../services/lib/project-root.js'
import { buildTestApp } from '../helpers/app.js'

t.test('sequential vs concurrent table against the gateway', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`
  const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx')
  const { stdout } = await promisify(execFile)(tsx, ['scripts/test-dynamic-batching.ts', '--url', url, '--model', 'iris', '--num-requests', '40', '--concurrency', '8', '--binary'], { cwd: projectRoot, timeout: 60_000 })
  const lines = stdout.trim().split('\n')
  t.equal(lines[0], `Dynamic batching demo: ${url} model iris, 40 requests, http-binary`)
  t.match(lines[1], /^mode\s+requests\s+concurrency\s+total_s\s+req_per_s\s+mean_ms\s+p50_ms\s+p95_ms\s+errors$/)
  for (const [i, mode, workers] of [[2, 'sequential', 1], [3, 'concurrent', 8]] as const) {
    const cells = lines[i].trim().split(/\s+/)
    t.equal(cells[0], mode)
    const [requests, concurrency, seconds, rps, mean, p50, p95, errors] = cells.slice(1).map(Number)
    t.same([requests, concurrency, errors], [40, workers, 0], `${mode}: requests, concurrency, errors`)
    t.ok(seconds > 0 && rps > 0 && mean > 0, `${mode}: positive timings`)
    t.ok(Math.abs(rps - 40 / seconds) <= 0.05 * rps + 0.1, `${mode}: req/s ${rps} = 40 / ${seconds} s`)
    t.ok(p50 <= p95, `${mode}: p50 <= p95`)
  }
  const improvement = /^Batching improvement: ([0-9.]+)x throughput$/.exec(lines[4])
  t.ok(improvement !== null, lines[4])
  const rps = (i: number) => Number(lines[i].trim().split(/\s+/)[4])
  t.ok(Math.abs(Number(improvement?.[1]) - rps(3) / rps(2)) < 0.02 * rps(3) / rps(2) + 0.01, 'improvement = concurrent / sequential req/s')
})
