// Debian's prometheus scrapes a running gateway; its HTTP API must show our series with values.
// promtool checks the exposition format.
import { spawn } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { freePort } from '../../bench/lib.js'
import { buildTestApp, SETOSA, VIRGINICA } from '../helpers/app.js'

async function query (base: string, promql: string): Promise<Array<{ metric: Record<string, string>, value: [number, string] }>> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`, { signal: AbortSignal.timeout(5000) })
  const body = await res.json() as { status: string, data: { result: Array<{ metric: Record<string, string>, value: [number, string] }> } }
  if (body.status !== 'success') throw new Error(`query ${promql} failed: ${JSON.stringify(body)}`)
  return body.data.result
}

async function eventually<T> (fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

t.test('prometheus scrapes the gateway: request counts, inference latency, cache and drift series', async (t) => {
  const app = await buildTestApp(t, { DRIFT_MIN_SAMPLES: '5' })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const gatewayPort = (app.server.address() as { port: number }).port

  const post = (payload: object, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/api/v1/classify', payload, headers })
  for (let i = 0; i < 5; i++) await post({ ...SETOSA, sepal_length: 5 + i * 0.1 }, { 'cache-control': 'no-cache' })
  await post(VIRGINICA)
  await post(VIRGINICA)
  await post({ ...SETOSA, extra: 1 })
  await new Promise((resolve) => setTimeout(resolve, 300)) // the prediction log flushes every 100 ms
  const report = await app.inject('/api/v1/drift-report?limit=50')
  t.equal(report.json().data_summary.analyzed_samples, 7)

  const dir = t.testdir({})
  const port = await freePort()
  await writeFile(join(dir, 'prometheus.yml'), [
    'global:', '  scrape_interval: 1s',
    'scrape_configs:', '  - job_name: gateway', '    static_configs:', `      - targets: ['127.0.0.1:${gatewayPort}']`
  ].join('\n'))
  const prom = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'
  ], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  prom.stderr?.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const exited = new Promise<void>((resolve) => prom.once('exit', () => resolve()))
  t.teardown(async () => { prom.kill('SIGTERM'); await exited })
  const base = `http://127.0.0.1:${port}`
  await eventually(async () => (await fetch(`${base}/-/ready`)).ok || undefined).catch((err) => { throw new Error(`prometheus not ready: ${err.message}\n${stderr}`) })

  const up = await eventually(async () => (await query(base, 'up{job="gateway"}'))[0])
  t.equal(up.value[1], '1', 'the gateway target is up')
  const success = await eventually(async () => (await query(base, 'inference_requests_total{model="iris",version="1",outcome="success"}'))[0])
  t.equal(success.value[1], '6', 'five no-cache classifications and one cache miss reached the model')
  const rejected = await eventually(async () => (await query(base, 'http_request_duration_seconds_count{route="/api/v1/classify",status_code="400"}'))[0])
  t.equal(rejected.value[1], '1')
  const served = await eventually(async () => (await query(base, 'http_request_duration_seconds_count{route="/api/v1/classify",status_code="200"}'))[0])
  t.equal(served.value[1], '7')
  const latency = await eventually(async () => (await query(base, 'inference_duration_seconds_count{model="iris"}'))[0])
  t.equal(latency.value[1], '6')
  const hits = await eventually(async () => (await query(base, 'sum(cache_hits_total{cache="exact"})'))[0])
  t.equal(hits.value[1], '1', 'the second identical VIRGINICA request was a cache hit')
  const drift = await eventually(async () => { const r = await query(base, 'drift_detected{model="iris"}'); return r.length === 5 ? r : undefined })
  t.same(drift.map((r) => r.metric.feature).sort(), ['petal_length', 'petal_width', 'prediction', 'sepal_length', 'sepal_width'])
  t.ok(drift.every((r) => r.value[1] === '0' || r.value[1] === '1'))
})

t.test('promtool check metrics reports nothing on /metrics', async (t) => {
  const app = await buildTestApp(t)
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  const exposition = (await app.inject('/metrics')).body
  const child = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  child.stdin.end(exposition)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  t.equal(out.trim(), '', 'no findings')
  t.equal(code, 0)
})
