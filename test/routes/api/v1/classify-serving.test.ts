// /classify-triton, /classify-tf-serving and /serving-comparison against the real Triton (PyTriton),
// TF Serving REST on a second gateway's compatible front, TF Serving gRPC on the PredictionService
// double; down servers give 503 naming them, or the local answer marked as a fallback.
import t from 'tap'
import { freePort } from '../../../../bench/lib.js'
import { buildTestApp, VERSICOLOR, VIRGINICA } from '../../../helpers/app.js'
import { startTfServingGrpcDouble } from '../../../helpers/tf-serving-double.js'
import { startTriton } from '../../../helpers/triton.js'

t.test('with Triton and TF Serving up', async (t) => {
  const [triton, double] = await Promise.all([startTriton(t), startTfServingGrpcDouble(t)])
  const tfFront = await buildTestApp(t)
  await tfFront.listen({ port: 0, host: '127.0.0.1' })
  const tfUrl = `http://127.0.0.1:${(tfFront.server.address() as { port: number }).port}`
  const app = await buildTestApp(t, { TRITON_URL: triton.httpUrl, TRITON_GRPC_URL: triton.grpcUrl, TF_SERVING_URL: tfUrl, TF_SERVING_GRPC_URL: double.url })
  const grpcApp = await buildTestApp(t, { TRITON_URL: triton.httpUrl, TRITON_GRPC_URL: triton.grpcUrl, TRITON_PROTOCOL: 'grpc', TF_SERVING_GRPC_URL: double.url, TF_SERVING_PROTOCOL: 'grpc' })
  const local = (await app.inject({ method: 'POST', url: '/api/v1/classify', payload: VERSICOLOR })).json()
  const near = (t: Tap, actual: number[]) => actual.forEach((p, i) => t.ok(Math.abs(p - local.probabilities[i]) <= 1e-6, `p${i} ${p} vs ${local.probabilities[i]}`))
  type Tap = typeof t

  for (const [name, a, protocol] of [['http-binary', app, 'http-binary'], ['grpc', grpcApp, 'grpc']] as const) {
    const res = await a.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
    t.equal(res.statusCode, 200, name)
    t.match(res.json(), { predicted_class: 'versicolor', predicted_class_index: 1, serving_infrastructure: 'triton_inference_server', model_version: '1', batch_size: 1, protocol })
    t.notOk('fallback' in res.json())
    t.ok(res.json().response_time_ms > 0)
    near(t, res.json().probabilities)
  }
  t.match((await grpcApp.inject({ url: '/metrics' })).body, /^gateway_upstream_request_duration_seconds_count\{upstream="triton",protocol="grpc",outcome="ok"\} 1$/m)

  for (const [name, a, protocol] of [['rest', app, 'rest'], ['grpc', grpcApp, 'grpc']] as const) {
    const res = await a.inject({ method: 'POST', url: '/api/v1/classify-tf-serving', payload: VERSICOLOR })
    t.equal(res.statusCode, 200, name)
    t.match(res.json(), { predicted_class: 'versicolor', predicted_class_index: 1, serving_infrastructure: 'tensorflow_serving', batch_size: 1, protocol })
    near(t, res.json().probabilities)
  }
  t.equal((await grpcApp.inject({ method: 'POST', url: '/api/v1/classify-tf-serving', payload: VERSICOLOR })).json().model_version, 1, 'gRPC: from the answer\'s model_spec')
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/classify-tf-serving', payload: VERSICOLOR })).json().model_version, 1, 'REST: from the model status')

  const unknown = await buildTestApp(t, { TRITON_URL: triton.httpUrl, TRITON_MODEL: 'no_such_model' })
  const r404 = await unknown.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
  t.match(r404.json(), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND', error: 'Not Found', message: "Triton has no model 'no_such_model': Request for unknown model: 'no_such_model' is not found" })
  // iris_onnx_slow takes 0.3 s per request (test/python/pytriton_server.py).
  const slow = await buildTestApp(t, { TRITON_URL: triton.httpUrl, TRITON_MODEL: 'iris_onnx_slow', SERVING_TIMEOUT_MS: '100' })
  const r504 = await slow.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
  t.same(r504.json(), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', error: 'Gateway Timeout', message: 'Triton did not answer within 100 ms' })
  // The comparison gives up on a method after its first timeout instead of waiting `iterations` times.
  const slowCmp = (await slow.inject({ method: 'POST', url: '/api/v1/serving-comparison', payload: { ...VERSICOLOR, iterations: 50 } })).json()
  t.match(slowCmp.serving_methods.triton_inference, { available: false, reason: /^Triton (did not answer within 100 ms|refused the request, its queue is full)/ })
  t.equal(slowCmp.serving_methods.direct_onnx.response_times_ms.length, 50)
  await new Promise((resolve) => setTimeout(resolve, 700)) // the abandoned requests finish on Triton

  const cmp = await app.inject({ method: 'POST', url: '/api/v1/serving-comparison', payload: { ...VIRGINICA, iterations: 3 } })
  t.equal(cmp.statusCode, 200)
  const body = cmp.json()
  t.same(body.test_configuration, { sample: VIRGINICA, iterations: 3 })
  for (const [name, infra] of [['direct_onnx', 'direct_onnx_runtime'], ['tensorflow_serving', 'tensorflow_serving'], ['triton_inference', 'triton_inference_server']]) {
    const m = body.serving_methods[name]
    t.match(m, { available: true, infrastructure: infra, success_rate: 1, predicted_class: 'virginica' }, name)
    t.equal(m.response_times_ms.length, 3)
    t.ok(Math.abs(m.average_response_time_ms - m.response_times_ms.reduce((s: number, x: number) => s + x, 0) / 3) < 0.002)
  }
  const avgs = Object.entries(body.serving_methods).map(([n, m]) => [n, (m as { average_response_time_ms: number }).average_response_time_ms] as const).sort((a, b) => a[1] - b[1])
  t.equal(body.performance_analysis.fastest_method, avgs[0][0])
  t.equal(body.performance_analysis.slowest_method, avgs[2][0])
  t.equal(body.performance_analysis.speedup_factor, Math.round(avgs[2][1] / avgs[0][1] * 100) / 100)
  const label: Record<string, string> = { direct_onnx: 'Direct ONNX', tensorflow_serving: 'TensorFlow Serving', triton_inference: 'Triton' }
  const r2 = (x: number) => Math.round(x * 100) / 100
  t.equal(body.performance_analysis.recommendations[0], `${label[avgs[0][0]]} answered fastest in this run: ${r2(avgs[0][1])} ms mean, against ${avgs.slice(1).map(([n, x]) => `${label[n]} ${r2(x)} ms`).join(', ')}`)
  t.equal(body.performance_analysis.recommendations[1], `Performance difference: ${(avgs[2][1] / avgs[0][1]).toFixed(1)}x between fastest and slowest`)
})

t.test('down or unset servers: 503 naming them, the fallback, and unavailable methods', async (t) => {
  const closed = await freePort()
  const unset = await buildTestApp(t)
  const triton = await unset.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
  t.equal(triton.statusCode, 503)
  t.same(triton.json(), { statusCode: 503, code: 'GW_UPSTREAM_NOT_CONFIGURED', error: 'Service Unavailable', message: 'Triton is not configured: set TRITON_URL or TRITON_GRPC_URL' })
  const tf = await unset.inject({ method: 'POST', url: '/api/v1/classify-tf-serving', payload: VERSICOLOR })
  t.match(tf.json(), { statusCode: 503, code: 'GW_UPSTREAM_NOT_CONFIGURED', message: /^TF Serving is not configured/ })

  const down = await buildTestApp(t, { TRITON_URL: `http://127.0.0.1:${closed}`, TF_SERVING_URL: `http://127.0.0.1:${closed}` })
  const t503 = await down.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })
  t.match(t503.json(), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^Triton is unavailable: ECONNREFUSED/ })
  const tf503 = await down.inject({ method: 'POST', url: '/api/v1/classify-tf-serving', payload: VERSICOLOR })
  t.match(tf503.json(), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: /^TF Serving is unavailable: ECONNREFUSED/ })
  const scrape = (await down.inject({ url: '/metrics' })).body
  t.match(scrape, /^gateway_upstream_request_duration_seconds_count\{upstream="triton",protocol="http-binary",outcome="GW_UPSTREAM_UNAVAILABLE"\} 1$/m)
  t.match(scrape, /^gateway_upstream_request_duration_seconds_count\{upstream="tf_serving",protocol="rest",outcome="GW_UPSTREAM_UNAVAILABLE"\} 1$/m)
  const health = (await down.inject({ url: '/health' })).json()
  t.match(JSON.stringify(health), /"triton":\{"status":"down"/)

  const fallback = await buildTestApp(t, { TRITON_URL: `http://127.0.0.1:${closed}`, SERVING_FALLBACK: 'local' })
  const local = (await fallback.inject({ method: 'POST', url: '/api/v1/classify', payload: VERSICOLOR })).json()
  for (const url of ['/api/v1/classify-triton', '/api/v1/classify-tf-serving']) {
    const res = await fallback.inject({ method: 'POST', url, payload: VERSICOLOR })
    t.equal(res.statusCode, 200, url)
    t.match(res.json(), { predicted_class: 'versicolor', serving_infrastructure: 'direct_onnx_runtime', model_version: '1', protocol: 'local', fallback: true })
    t.same(res.json().probabilities, local.probabilities)
  }
  t.match((await fallback.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: VERSICOLOR })).json().fallback_reason, /^Triton is unavailable: ECONNREFUSED/)

  const cmp = (await fallback.inject({ method: 'POST', url: '/api/v1/serving-comparison', payload: VERSICOLOR })).json()
  t.match(cmp.serving_methods.direct_onnx, { available: true, success_rate: 1 })
  t.equal(cmp.serving_methods.direct_onnx.response_times_ms.length, 5)
  t.same(cmp.serving_methods.tensorflow_serving, { available: false, infrastructure: 'tensorflow_serving', reason: 'TF Serving is not configured: set TF_SERVING_URL or TF_SERVING_GRPC_URL' })
  t.match(cmp.serving_methods.triton_inference, { available: false, infrastructure: 'triton_inference_server', reason: /^Triton is unavailable: ECONNREFUSED/ })
  t.match(cmp.performance_analysis, { fastest_method: 'direct_onnx', slowest_method: 'direct_onnx', speedup_factor: 1 })
  t.same(cmp.performance_analysis.recommendations, [
    `Only Direct ONNX answered (${Math.round(cmp.serving_methods.direct_onnx.average_response_time_ms * 100) / 100} ms mean): nothing to compare it with; configure another serving method to rank them`,
    'Not compared (unavailable): tensorflow_serving, triton_inference'
  ])

  const bad = await fallback.inject({ method: 'POST', url: '/api/v1/classify-triton', payload: { ...VERSICOLOR, extra: 1 } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().message, /extra/)
})
