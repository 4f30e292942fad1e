// Proxy overhead of the LLM routes: the same generation straight to an Ollama double with a fixed
// 20 ms latency and through the gateway, 64 concurrent connections each. Latency is timed per request
// with the high-resolution clock (autocannon's histogram rounds to whole milliseconds, too coarse for
// sub-millisecond overhead); req/s also comes from this loop. A bare Fastify + undici proxy
// (proxy-floor-server.ts) shows how much of the added latency any Node proxy pays on this machine.
// The peer a user would pick instead, Portkey's open-source gateway (npm @portkey-ai/gateway, run
// headless on Node), proxies the same OpenAI-style chat to the same double in the same run: at 64
// connections for throughput and at 8 for added latency, in interleaved rounds (medians).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Pool } from 'undici'
import { freePort, median, root, startGateway, startProcess, type BenchModule, type BenchRow } from './lib.js'
import { startRealOllama, warmUp } from '../test/helpers/ollama-real.js'

const JSON_HEADERS = { 'content-type': 'application/json' }

async function drive (url: string, path: string, body: string, connections: number, durationSec: number, headers: Record<string, string> = JSON_HEADERS) {
  const pool = new Pool(url, { connections, pipelining: 1 })
  const latencies: number[] = []
  let errors = 0
  let non2xx = 0
  const end = performance.now() + durationSec * 1000
  await Promise.all(Array.from({ length: connections }, async () => {
    while (performance.now() < end) {
      const t0 = performance.now()
      try {
        const res = await pool.request({ method: 'POST', path, body, headers })
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

type Drive = Awaited<ReturnType<typeof drive>>

/** Portkey's gateway from its npm package (its bin, build/start-server.js), headless on a free port. */
async function startPortkey () {
  const require = createRequire(import.meta.url)
  const bin = join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js')
  const port = await freePort()
  return await startProcess(process.execPath, [bin, `--port=${port}`, '--headless'], { port, readyPath: '/' })
}

/**
 * The gateway's /v1/chat/completions beside Portkey's on the same double: `rounds` interleaved pairs
 * per connection count; req/s and latency are the medians of the rounds.
 */
async function chatPeers (doubleUrl: string, gatewayUrl: string, portkeyUrl: string, durationSec: number, rounds = 3): Promise<BenchRow[]> {
  const body = JSON.stringify({ model: 'tinyllama', messages: [{ role: 'user', content: 'What is the capital of France?' }], temperature: 0, top_p: 1, max_tokens: 64, seed: 1 })
  const portkeyHeaders = { ...JSON_HEADERS, 'x-portkey-provider': 'ollama', 'x-portkey-custom-host': doubleUrl }
  const scenario = 'chat completions, Ollama double 20 ms'
  const rows: BenchRow[] = []
  for (const connections of [64, 8]) {
    const runs: Record<'direct' | 'gateway' | 'portkey', Drive[]> = { direct: [], gateway: [], portkey: [] }
    await drive(gatewayUrl, '/v1/chat/completions', body, connections, 1)
    await drive(portkeyUrl, '/v1/chat/completions', body, connections, 1, portkeyHeaders)
    for (let i = 0; i < rounds; i++) {
      runs.direct.push(await drive(doubleUrl, '/v1/chat/completions', body, connections, durationSec))
      runs.gateway.push(await drive(gatewayUrl, '/v1/chat/completions', body, connections, durationSec))
      runs.portkey.push(await drive(portkeyUrl, '/v1/chat/completions', body, connections, durationSec, portkeyHeaders))
    }
    const m = (target: keyof typeof runs) => {
      const r = runs[target]
      return { rps: median(r.map((x) => x.rps)), p50: median(r.map((x) => x.p50)), p99: median(r.map((x) => x.p99)), errors: r.reduce((n, x) => n + x.errors, 0), non2xx: r.reduce((n, x) => n + x.non2xx, 0) }
    }
    const direct = m('direct')
    const added = (t: 'gateway' | 'portkey') => `added p50 ${median(runs[t].map((x, i) => x.p50 - runs.direct[i].p50)).toFixed(2)} ms, p99 ${median(runs[t].map((x, i) => x.p99 - runs.direct[i].p99)).toFixed(2)} ms`
    const row = (target: string, r: ReturnType<typeof m>, extra: Partial<BenchRow> = {}): BenchRow => ({
      scenario, target, connections, requests_per_sec: Math.round(r.rps), p50_ms: Number(r.p50.toFixed(2)), p99_ms: Number(r.p99.toFixed(2)), errors: r.errors, non_2xx: r.non2xx, ...extra
    })
    rows.push(row('direct', direct))
    const vsPortkey = median(runs.gateway.map((g, i) => g.rps / runs.portkey[i].rps))
    rows.push(row('gateway', m('gateway'), { ratio: vsPortkey, baseline: 'portkey', note: `${added('gateway')}; ${rounds} rounds` }))
    rows.push(row('portkey', m('portkey'), { ratio: m('portkey').rps / direct.rps, baseline: 'direct', note: added('portkey') }))
  }
  return rows
}

/** One streamed generation: time to the first token, and tokens per second after it (client clock). */
async function streamOnce (url: string, path: string, body: string) {
  const t0 = performance.now()
  const res = await fetch(url + path, { method: 'POST', headers: JSON_HEADERS, body })
  if (!res.ok || res.body === null) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
  let first = 0
  let last = 0
  let evalCount = 0
  let buffered = ''
  for await (const piece of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += Buffer.from(piece).toString()
    let nl: number
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim()
      buffered = buffered.slice(nl + 1)
      if (line === '') continue
      const chunk = JSON.parse(line) as { response?: string, done?: boolean, eval_count?: number }
      if (first === 0 && (chunk.response ?? '') !== '') first = performance.now() - t0
      if (chunk.done === true) { last = performance.now() - t0; evalCount = chunk.eval_count ?? 0 }
    }
  }
  return { ttftMs: first, tokensPerSec: (evalCount - 1) / ((last - first) / 1000) }
}

/**
 * The gateway in front of a real Ollama (SmolLM2-135M, one thread, from npm run ollama:setup): the
 * same greedy 64-token generation streamed straight from Ollama and through /api/v1/generate, one
 * request at a time, in interleaved pairs (which goes first alternates). Streamed tokens/s as a ratio
 * to direct, and the time to the first token the gateway adds (medians).
 */
async function realOllamaRows (durationSec: number): Promise<BenchRow[]> {
  const teardowns: Array<() => Promise<void>> = []
  const ollama = await startRealOllama({ teardown: (fn) => { teardowns.push(fn) } }, { timeoutMs: 60_000 })
  const gateway = await startGateway({ OLLAMA_URL: ollama.url, OLLAMA_MODEL: ollama.setup.generateModel, PREDICTION_LOG_ENABLED: 'false' })
  try {
    await warmUp(ollama)
    const options = { temperature: 0, seed: 1, num_predict: 64 }
    const prompt = 'Write a short paragraph about the sea.'
    const direct = JSON.stringify({ model: ollama.setup.generateModel, prompt, stream: true, options })
    const via = JSON.stringify({ prompt, stream: true, options })
    await streamOnce(gateway.url, '/api/v1/generate', via)
    const runs = { direct: [] as Array<Awaited<ReturnType<typeof streamOnce>>>, gateway: [] as Array<Awaited<ReturnType<typeof streamOnce>>> }
    const rounds = Math.max(10, 2 * Math.round(durationSec))
    for (let i = 0; i < rounds; i++) {
      // Which goes first alternates: with a fixed order the second request of a pair came out slower.
      if (i % 2 === 0) {
        runs.direct.push(await streamOnce(ollama.url, '/api/generate', direct))
        runs.gateway.push(await streamOnce(gateway.url, '/api/v1/generate', via))
      } else {
        runs.gateway.push(await streamOnce(gateway.url, '/api/v1/generate', via))
        runs.direct.push(await streamOnce(ollama.url, '/api/generate', direct))
      }
    }
    const scenario = 'stream generate, real Ollama (SmolLM2-135M, 64 tokens)'
    const summary = (r: typeof runs.direct) => ({ ttft: median(r.map((x) => x.ttftMs)), ttftMax: Math.max(...r.map((x) => x.ttftMs)), rate: median(r.map((x) => x.tokensPerSec)) })
    const d = summary(runs.direct)
    const g = summary(runs.gateway)
    const row = (target: string, x: typeof d, extra: Partial<BenchRow>): BenchRow => ({
      scenario, target, connections: 1, requests_per_sec: 0, p50_ms: Number(x.ttft.toFixed(2)), p99_ms: Number(x.ttftMax.toFixed(2)), errors: 0, non_2xx: 0, ...extra
    })
    const ratios = runs.gateway.map((x, i) => x.tokensPerSec / runs.direct[i].tokensPerSec)
    const addedTtft = median(runs.gateway.map((x, i) => x.ttftMs - runs.direct[i].ttftMs))
    return [
      row('direct', d, { note: `${d.rate.toFixed(1)} tokens/s; p50/p99 columns: time to first token (max of ${rounds})` }),
      row('gateway', g, { ratio: median(ratios), baseline: 'direct (tokens/s)', note: `${g.rate.toFixed(1)} tokens/s; time to first token added ${addedTtft.toFixed(2)} ms (median of ${rounds} pairs)` })
    ]
  } finally {
    await gateway.stop()
    for (const fn of teardowns) await fn()
  }
}
const llm: BenchModule = async ({ durationSec }) => {
  const double = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ollama-double-server.ts')], { env: { LATENCY_MS: '20' }, readyPath: '/' })
  const gateway = await startGateway({ OLLAMA_URL: double.url, PREDICTION_LOG_ENABLED: 'false' })
  const floor = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'proxy-floor-server.ts')], { env: { OLLAMA_URL: double.url, LOG_LEVEL: 'warn' } })
  const portkey = await startPortkey()
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
    rows.push(...await chatPeers(double.url, gateway.url, portkey.url, durationSec))
  } finally {
    await Promise.all([gateway.stop(), floor.stop(), portkey.stop(), double.stop()])
  }
  rows.push(...await realOllamaRows(durationSec))
  return rows
}

export default llm
