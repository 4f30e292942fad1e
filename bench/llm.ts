// Proxy overhead of the LLM routes: the same generation straight to an Ollama double with a fixed
// 20 ms latency and through the gateway, 64 concurrent connections each. Latency is timed per request
// with the high-resolution clock (autocannon's histogram rounds to whole milliseconds, too coarse for
// sub-millisecond overhead); req/s also comes from this loop. A bare Fastify + undici proxy
// (proxy-floor-server.ts) shows how much of the added latency any Node proxy pays on this machine.
import { join } from 'node:path'
import { Pool } from 'undici'
import { root, startGateway, startProcess, type BenchModule, type BenchRow } from './lib.js'

async function drive (url: string, path: string, body: string, connections: number, durationSec: number) {
  const pool = new Pool(url, { connections, pipelining: 1 })
  const latencies: number[] = []
  let errors = 0
  let non2xx = 0
  const end = performance.now() + durationSec * 1000
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      try {
        const res = await pool.request({ method: 'POST', path, body, headers: { 'content-type': 'application/json' } })
        await res.body.text()
        if (res.statusCode >= 300) non2xx++
        latencies.push(performance.now() - t0)
      } catch { errors++ }
    }
  }))
  await pool.close()
  latencies.sort((a, b) => a - b)
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
  return { rps: latencies.length / durationSec, p50: q(0.5), p99: q(0.99), errors, non2xx }
}

const llm: BenchModule = async ({ durationSec }) => {
  const double = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ollama-double-server.ts')], { env: { LATENCY_MS: '20' }, readyPath: '/' })
  const gateway = await startGateway({ OLLAMA_URL: double.url, PREDICTION_LOG_ENABLED: 'false' })
  const floor = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'proxy-floor-server.ts')], { env: { OLLAMA_URL: double.url, LOG_LEVEL: 'warn' } })
  const rows: BenchRow[] = []
  try {
    const prompt = 'What is the capital of France?'
    const row = (scenario: string, target: string, r: Awaited<ReturnType<typeof drive>>, extra: Partial<BenchRow> = {}): BenchRow => ({
      scenario, target, connections: 64, requests_per_sec: Math.round(r.rps), p50_ms: Number(r.p50.toFixed(2)), p99_ms: Number(r.p99.toFixed(2)), errors: r.errors, non_2xx: r.non2xx, ...extra
    })
    await drive(double.url, '/api/generate', JSON.stringify({ model: 'tinyllama', prompt, stream: false }), 64, 2) // warm-up
    const direct = await drive(double.url, '/api/generate', JSON.stringify({ model: 'tinyllama', prompt, stream: false }), 64, durationSec)
    rows.push(row('generate, Ollama double 20 ms', 'direct', direct))
    const added = (r: Awaited<ReturnType<typeof drive>>) => `added latency p50 ${(r.p50 - direct.p50).toFixed(2)} ms, p99 ${(r.p99 - direct.p99).toFixed(2)} ms`
    await drive(floor.url, '/api/v1/generate', JSON.stringify({ prompt }), 64, 2)
    const bare = await drive(floor.url, '/api/v1/generate', JSON.stringify({ prompt }), 64, durationSec)
    rows.push(row('generate, Ollama double 20 ms', 'bare proxy (floor)', bare, { ratio: bare.rps / direct.rps, baseline: 'direct', note: added(bare) }))
    await drive(gateway.url, '/api/v1/generate', JSON.stringify({ prompt }), 64, 2)
    const via = await drive(gateway.url, '/api/v1/generate', JSON.stringify({ prompt }), 64, durationSec)
    rows.push(row('generate, Ollama double 20 ms', 'gateway', via, {
      ratio: via.rps / direct.rps, baseline: 'direct', note: added(via)
    }))
  } finally {
    await Promise.all([gateway.stop(), floor.stop(), double.stop()])
  }
  return rows
}

export default llm
