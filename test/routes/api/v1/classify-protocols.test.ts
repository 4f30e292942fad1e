// /classify-grpc, /classify-http and /classify-benchmark: real network calls to the gateway's own
// gRPC and V2 fronts (the app listens on port 0), compared with the in-process /classify answer.
import t from 'tap'
import { freePort } from '../../../../bench/lib.js'
import { buildTestApp, SETOSA, VERSICOLOR } from '../../../helpers/app.js'

t.test('over the network to the gateway\'s own fronts', async (t) => {
  const app = await buildTestApp(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as { port: number }).port
  const local = (await app.inject({ method: 'POST', url: '/api/v1/classify', payload: VERSICOLOR })).json()

  const grpc = await app.inject({ method: 'POST', url: '/api/v1/classify-grpc', payload: VERSICOLOR })
  t.equal(grpc.statusCode, 200)
  t.match(grpc.json(), { predicted_class: 'versicolor', predicted_class_index: 1, protocol: 'gRPC', target: `127.0.0.1:${app.grpcServer?.port}` })
  grpc.json().probabilities.forEach((p: number, i: number) => t.ok(Math.abs(p - local.probabilities[i]) <= 1e-6, `gRPC p${i}`))
  t.ok(grpc.json().processing_time_ms > 0)

  const http = await app.inject({ method: 'POST', url: '/api/v1/classify-http', payload: VERSICOLOR })
  t.equal(http.statusCode, 200)
  t.match(http.json(), { predicted_class: 'versicolor', predicted_class_index: 1, protocol: 'HTTP', target: `http://127.0.0.1:${port}` })
  t.same(http.json().probabilities, local.probabilities)
  t.equal(http.json().confidence, local.confidence)

  const bench = await app.inject({ method: 'POST', url: '/api/v1/classify-benchmark', payload: { ...SETOSA, iterations: 4 } })
  t.equal(bench.statusCode, 200)
  const { results, performance_analysis: pa } = bench.json()
  for (const [name, r] of Object.entries(results) as Array<[string, Record<string, number | string>]>) {
    t.equal(r.predicted_class, 'setosa', name)
    t.equal(r.iterations, 4)
    t.ok(r.min_ms <= r.p50_ms && r.p50_ms <= r.p95_ms && r.p95_ms <= r.max_ms, `${name}: min <= p50 <= p95 <= max`)
    t.ok(r.min_ms <= r.mean_ms && r.mean_ms <= r.max_ms, `${name}: mean within range`)
    t.equal(r.avg_processing_time_ms, r.mean_ms)
  }
  t.equal(results.rest.protocol, 'HTTP')
  t.equal(results.grpc.protocol, 'gRPC')
  t.equal(pa.http_time_ms, results.rest.mean_ms)
  t.equal(pa.grpc_time_ms, results.grpc.mean_ms)
  const [fast, slow] = [Math.min(pa.http_time_ms, pa.grpc_time_ms), Math.max(pa.http_time_ms, pa.grpc_time_ms)]
  t.equal(pa.speedup_factor, Math.round(slow / fast * 100) / 100)
  t.equal(pa.faster_protocol, pa.grpc_time_ms <= pa.http_time_ms ? 'gRPC' : 'HTTP')
  t.ok(Math.abs(pa.time_difference_ms - (slow - fast)) < 0.002)

  const bad = await app.inject({ method: 'POST', url: '/api/v1/classify-benchmark', payload: { ...SETOSA, iterations: 0 } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { code: 'FST_ERR_VALIDATION', message: /iterations/ })
  const missing = await app.inject({ method: 'POST', url: '/api/v1/classify-grpc', payload: { sepal_length: 1, sepal_width: 1, petal_length: 1 } })
  t.equal(missing.statusCode, 400)
  t.match(missing.json().message, /petal_width/)
})

t.test('unreachable targets are 503 naming the server', async (t) => {
  const closed = await freePort()
  const app = await buildTestApp(t, { GRPC_TARGET: `127.0.0.1:${closed}`, INFERENCE_HTTP_URL: `http://127.0.0.1:${closed}`, SERVING_TIMEOUT_MS: '2000' })
  const grpc = await app.inject({ method: 'POST', url: '/api/v1/classify-grpc', payload: SETOSA })
  t.equal(grpc.statusCode, 503)
  t.match(grpc.json(), { code: 'GW_UPSTREAM_UNAVAILABLE', message: /^gRPC inference server is unavailable/ })
  const http = await app.inject({ method: 'POST', url: '/api/v1/classify-http', payload: SETOSA })
  t.equal(http.statusCode, 503)
  t.match(http.json(), { code: 'GW_UPSTREAM_UNAVAILABLE', message: /^HTTP inference server is unavailable: ECONNREFUSED/ })
  const bench = await app.inject({ method: 'POST', url: '/api/v1/classify-benchmark', payload: { ...SETOSA, iterations: 2 } })
  t.equal(bench.statusCode, 503)

  const idle = await buildTestApp(t) // not listening: its own HTTP front cannot be called
  const self = await idle.inject({ method: 'POST', url: '/api/v1/classify-http', payload: SETOSA })
  t.equal(self.statusCode, 503)
  t.match(self.json(), { code: 'GW_UPSTREAM_NOT_CONFIGURED', message: /not listening/ })
})
