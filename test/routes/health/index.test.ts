import t from 'tap'
import { buildTestApp, SETOSA } from '../../helpers/app.js'
import { startOllamaDouble } from '../../helpers/ollama-double.js'

t.test('/health lists the onnx dependency with each model, version and queue depth', async (t) => {
  const ollama = await startOllamaDouble(t)
  const app = await buildTestApp(t, { OLLAMA_URL: ollama.url })
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  const body = res.json()
  t.equal(body.status, 'ok')
  t.equal(body.dependencies.onnx.status, 'up')
  t.match(body.dependencies.ollama, { status: 'up', critical: false, version: '0.5.1', circuit: 'closed' })
  t.equal(body.dependencies.onnx.default_model, 'iris')
  const iris = body.dependencies.onnx.models.find((m: { name: string }) => m.name === 'iris')
  t.match(iris, { name: 'iris', version: '1', default: true, loaded: true, queue_depth: 0 })
  t.same((await app.inject('/health/live')).json(), { status: 'ok' })
  t.equal((await app.inject('/health/ready')).statusCode, 200)
})

t.test('/health/ready is 503 when the default model is missing', async (t) => {
  const app = await buildTestApp(t, { MODELS_DIR: t.testdir({}) })
  const ready = await app.inject('/health/ready')
  t.equal(ready.statusCode, 503)
  t.equal(ready.json().status, 'down')
  t.equal(ready.json().dependencies.onnx.status, 'down')
  const res = await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA })
  t.equal(res.statusCode, 404)
  t.equal(res.json().code, 'GW_MODEL_NOT_FOUND')
})

t.test('/metrics exposes request, inference and batching series with values', async (t) => {
  const app = await buildTestApp(t)
  // no-cache: each request reaches the model instead of the exact cache
  for (let i = 0; i < 3; i++) await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA, headers: { 'cache-control': 'no-cache' } })
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: { nope: 1 } })
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = res.body
  t.match(text, /inference_requests_total\{model="iris",version="1",outcome="success"\} 3\n/)
  t.match(text, /inference_rows_total\{model="iris",version="1"\} 3\n/)
  t.match(text, /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/classify",status_code="200"\} 3\n/)
  t.match(text, /http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/classify",status_code="400"\} 1\n/)
  t.match(text, /inference_batch_size_count\{model="iris",version="1"\} 3\n/)
  t.match(text, /inference_queue_depth\{model="iris",version="1"\} 0\n/)
  t.match(text, /inference_duration_seconds_bucket\{le="\+Inf",model="iris",version="1"\} 3\n/)
})

t.test('/docs/json describes every route', async (t) => {
  const app = await buildTestApp(t)
  const doc = (await app.inject('/docs/json')).json()
  t.equal(doc.openapi, '3.1.0')
  for (const path of ['/api/v1/classify', '/api/v1/classify/batch', '/api/v1/classify-detailed', '/api/v1/classify-shifted', '/health', '/health/live', '/health/ready', '/metrics']) {
    const ops = doc.paths[path]
    t.ok(ops !== undefined, `${path} documented`)
    for (const op of Object.values(ops ?? {}) as Array<{ summary?: string }>) t.type(op.summary, 'string', `${path} has a summary`)
  }
  const ui = await app.inject('/docs')
  t.equal(ui.statusCode, 200)
  t.match(ui.body, /swagger-ui/)
})

t.test('a bad setting stops start-up with a message naming it', async (t) => {
  const { buildApp } = await import('../../../app.js')
  await t.rejects(buildApp({ env: { PORT: 'eighty' }, logger: false }), { message: 'Invalid configuration: env/PORT must be integer' })
  await t.rejects(buildApp({ env: { BATCHING: 'maybe' }, logger: false }), { message: /env\/BATCHING must be boolean/ })
  await t.rejects(buildApp({ env: { LOG_LEVEL: 'loud' }, logger: false }), { message: /env\/LOG_LEVEL must be equal to one of the allowed values/ })
})

t.test('one log line per request, without headers', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  const { buildApp } = await import('../../../app.js')
  const stream = { write: (line: string) => { lines.push(JSON.parse(line)) } }
  const app = await buildApp({ env: {}, logger: { level: 'info', stream } })
  t.teardown(() => app.close())
  await app.ready()
  lines.length = 0
  await app.inject({ method: 'POST', url: '/api/v1/classify', payload: SETOSA, headers: { authorization: 'Bearer secret-token' } })
  const requestLines = lines.filter((l) => l.msg === 'request completed')
  t.equal(requestLines.length, 1)
  t.match(requestLines[0], { method: 'POST', url: '/api/v1/classify', route: '/api/v1/classify', statusCode: 200 })
  t.type(requestLines[0].responseTimeMs, 'number')
  t.notMatch(JSON.stringify(lines), /secret-token/)
})
