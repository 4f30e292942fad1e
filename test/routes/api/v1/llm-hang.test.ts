// A hung or stalled Ollama (the double in its "hang" modes: requests read, never answered, as by
// a SIGSTOPped server) fails fast: first byte and stream-idle deadlines, the breaker opening on
// deadlines and then answering at once with Retry-After, chat-semantic skipping a hung embedder,
// and /health polls that never pile up calls.
import t from 'tap'
import { buildTestApp } from '../../../helpers/app.js'
import { startOllamaDouble } from '../../../helpers/ollama-double.js'

const since = (start: number) => Math.round(performance.now() - start)

t.test('a hung Ollama: 504 at the first-byte deadline, then the breaker answers 503 at once with Retry-After', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_FIRST_BYTE_TIMEOUT_MS: '300', OLLAMA_BREAKER_THRESHOLD: '2', OLLAMA_BREAKER_COOLDOWN_MS: '5000' })
  ollama.mode.kind = 'hang'
  const ask = () => app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt: 'hi' } })

  let start = performance.now()
  const first = await ask()
  const firstMs = since(start)
  t.equal(first.statusCode, 504)
  t.match(first.json(), { code: 'GW_UPSTREAM_TIMEOUT', message: 'Ollama did not answer within 300 ms' })
  t.ok(firstMs >= 290 && firstMs < 1000, `first failure after ${firstMs} ms (deadline 300 ms; bound generous on a shared machine)`)
  t.equal((await ask()).json().code, 'GW_UPSTREAM_TIMEOUT')
  t.equal(app.ollama.breaker.state(), 'open', 'two deadlines opened the circuit')

  const reached = ollama.received['/api/generate']
  start = performance.now()
  const open = await ask()
  const openMs = since(start)
  t.equal(open.statusCode, 503)
  t.match(open.json(), { code: 'GW_CIRCUIT_OPEN', message: /^Ollama is unavailable: circuit open after 2 consecutive failures; retrying in \d+ ms$/ })
  t.equal(open.headers['retry-after'], '5')
  t.ok(openMs < 50, `the open circuit answered in ${openMs} ms`)
  t.equal(ollama.received['/api/generate'], reached, 'no request reached Ollama while open')
})

t.test('an unreachable Ollama: 503 GW_UPSTREAM_UNAVAILABLE with Retry-After', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  await ollama.close()
  const res = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt: 'hi' } })
  t.equal(res.statusCode, 503)
  t.match(res.json(), { code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Ollama is unavailable: ECONNREFUSED/ })
  t.equal(res.headers['retry-after'], '1')
})

t.test('a stream that stalls ends with a 504 error line at the idle deadline', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_STREAM_IDLE_TIMEOUT_MS: '300' })
  ollama.mode.kind = 'stall'
  const start = performance.now()
  const res = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt: 'one two three', stream: true } })
  const ms = since(start)
  const lines = res.body.trim().split('\n').map((l) => JSON.parse(l))
  t.same(lines.map((l) => l.response ?? null), ['Answer ', null])
  t.same(lines.at(-1), { error: { message: 'Ollama did not answer within 300 ms', code: 'GW_UPSTREAM_TIMEOUT', statusCode: 504 } })
  t.ok(ms >= 290 && ms < 3000, `cut after ${ms} ms (the double never sends again: any finite cut near the deadline is the deadline; bound generous on a shared machine)`)
  t.equal(app.ollama.breaker.failures, 1, 'the stall counts against the breaker')
})

t.test('chat-semantic with a hung embedder: the lookup is skipped at the embed deadline, counted, and the answer generated', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_EMBED_TIMEOUT_MS: '300' })
  ollama.mode.kind = 'hang-embed'
  const start = performance.now()
  const res = await app.inject({ method: 'POST', url: '/api/v1/chat-semantic', payload: { prompt: 'What is machine learning?' } })
  const ms = since(start)
  t.equal(res.statusCode, 200)
  t.match(res.json(), { response: 'Answer to: What is machine learning?', model: 'tinyllama', cache_info: { cache_hit: false, cache_type: null, similarity_score: null } })
  t.ok(ms >= 290 && ms < 3000, `answered after ${ms} ms (embed deadline 300 ms + generation)`)
  t.equal(ollama.received['/api/embed'], 1, 'the embedder was waited on once, not again to store the answer')
  t.equal(ollama.received['/api/generate'], 1)
  const skipped = await app.metrics.registry.getSingleMetric('semantic_cache_skipped_total')?.get()
  t.same(skipped?.values.map((v) => ({ labels: v.labels, value: v.value })), [{ labels: { reason: 'GW_UPSTREAM_TIMEOUT' }, value: 1 }])
})

t.test('10 concurrent /health polls against a hung Ollama leave at most one pending call', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url, OLLAMA_PROBE_TIMEOUT_MS: '500' })
  ollama.mode.kind = 'hang'
  const polls = Promise.all(Array.from({ length: 10 }, () => app.inject('/health')))
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.equal(ollama.pending['/api/version'], 1, 'one probe in flight')
  const reports = (await polls).map((r) => r.json().dependencies)
  t.equal(ollama.received['/api/version'], 1, 'ten polls (and the semantic cache check) shared one probe')
  for (const d of reports) {
    t.match(d.ollama, { status: 'down', critical: false, error: 'Ollama did not answer within 500 ms' })
    t.match(d.semantic_cache, { status: 'degraded' })
  }
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.equal(ollama.pending['/api/version'], 0, 'the abandoned probe released its connection')
  await app.inject('/health')
  t.equal(ollama.received['/api/version'], 2, 'a later poll probes again')
})
