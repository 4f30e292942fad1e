// Health probes and the request circuit breaker (issue 15): polling /health while Ollama is down
// must not open the circuit that LLM requests go through, so the first request once Ollama is back
// reaches it. And an upstream that is down is logged as one warn line, not an error with a stack.
// The "down" phase is a port where nothing listens; the "up" phase is the real Ollama on that port.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { buildApp } from '../../app.js'
import { freePort } from '../../bench/lib.js'
import { startRealOllama } from '../helpers/ollama-real.js'

t.setTimeout(10 * 60_000)

t.test('N /health polls with Ollama down leave the breaker closed; the first LLM call after Ollama starts goes through', async (t) => {
  const port = await freePort()
  const dataDir = await mkdtemp(join(tmpdir(), 'gw-health-breaker-'))
  const lines: Array<Record<string, any>> = []
  const stream = { write: (line: string) => { lines.push(JSON.parse(line)) } }
  const THRESHOLD = 3
  const app = await buildApp({
    env: {
      OLLAMA_URL: `http://127.0.0.1:${port}`,
      OLLAMA_MODEL: 'smollm2',
      OLLAMA_BREAKER_THRESHOLD: String(THRESHOLD),
      OLLAMA_BREAKER_COOLDOWN_MS: '600000', // an opened circuit would stay open for the whole test
      GRPC_PORT: '0',
      OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
      DATA_DIR: dataDir
    },
    logger: { level: 'info', stream }
  })
  t.teardown(async () => { await app.close(); await rm(dataDir, { recursive: true, force: true }) })
  await app.ready()

  // Ollama down: every poll probes it and sees it down, THRESHOLD * 3 times.
  for (let i = 0; i < THRESHOLD * 3; i++) {
    const health = (await app.inject('/health')).json()
    t.equal(health.dependencies.ollama.status, 'down', `poll ${i + 1}: ollama down`)
    t.equal(health.dependencies.ollama.critical, false)
  }
  t.equal(app.ollama.breaker.state(), 'closed', 'the probes did not feed the request breaker')
  t.equal(app.ollama.breaker.failures, 0)
  const health = (await app.inject('/health')).json()
  t.equal(health.status, 'degraded', '/health: a non-critical dependency down is "degraded"')
  t.match(health.dependencies.ollama, { status: 'down', circuit: 'closed', error: /Ollama is unavailable: ECONNREFUSED/ })
  const ready = await app.inject('/health/ready')
  t.equal(ready.statusCode, 200, '/health/ready stays 200: Ollama is not critical')
  t.equal(ready.json().status, 'degraded')
  const live = await app.inject('/health/live')
  t.same([live.statusCode, live.json()], [200, { status: 'ok' }])

  // An LLM call while Ollama is down: 503 naming it, logged as ONE warn line without a stack.
  lines.length = 0
  const down = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt: 'hi', options: { num_predict: 4 } } })
  t.equal(down.statusCode, 503)
  t.equal(down.json().code, 'GW_UPSTREAM_UNAVAILABLE')
  t.match(down.json().message, /^Ollama is unavailable: ECONNREFUSED/)
  t.equal(down.headers['retry-after'], '1')
  const own = lines.filter((l) => l.msg !== 'incoming request' && l.msg !== 'request completed')
  t.equal(own.length, 1, `one line for the failure: ${JSON.stringify(own)}`)
  t.match(own[0], { level: 40, code: 'GW_UPSTREAM_UNAVAILABLE', statusCode: 503, retryAfterSeconds: 1, msg: /^Ollama is unavailable: ECONNREFUSED/, cause: /ECONNREFUSED/ })
  t.equal(own[0].err, undefined, 'no error object, so no stack')
  t.equal(lines.filter((l) => l.level >= 50).length, 0, 'nothing at error level')
  t.equal(app.ollama.breaker.failures, 1, 'a request failure still counts')

  // Ollama comes up on the port the gateway was given; the first LLM call reaches it.
  await startRealOllama(t, { port })
  t.equal((await app.inject('/health')).json().dependencies.ollama.status, 'up')
  const first = await app.inject({ method: 'POST', url: '/api/v1/generate', payload: { prompt: 'Say hello.', options: { temperature: 0, seed: 1, num_predict: 4 } } })
  t.equal(first.statusCode, 200, `first call after Ollama is up: ${first.body.slice(0, 200)}`)
  t.equal(first.json().model, 'smollm2')
  t.ok(first.json().usage.completion_tokens > 0 && first.json().usage.completion_tokens <= 4, 'Ollama generated up to 4 tokens')
  t.equal(app.ollama.breaker.state(), 'closed')
  t.equal(app.ollama.breaker.failures, 0, 'the success reset the count')
  const after = (await app.inject('/health/ready')).json()
  t.equal(after.dependencies.ollama.status, 'up')
})
