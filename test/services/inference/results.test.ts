import t from 'tap'
import { featureRow, fromProbabilities, protocolAnalysis, servingAnalysis, timingStats } from '../../../services/inference/results.js'
import { statusFailure, grpcFailure, networkFailure } from '../../../services/lib/upstream-failures.js'

t.test('featureRow follows the exported feature order', async (t) => {
  t.same(Array.from(featureRow({ petal_width: 0.2, sepal_length: 5.1, petal_length: 1.4, sepal_width: 3.5 })), [5.1, 3.5, 1.4, 0.2].map(Math.fround))
})

t.test('fromProbabilities: arg-max, float32 rounding, class names', async (t) => {
  t.same(fromProbabilities([0.019999999552965164, 0.949999988079071, 0.03]), { predicted_class: 'versicolor', predicted_class_index: 1, probabilities: [0.02, 0.95, 0.03], confidence: 0.95 })
  t.same(fromProbabilities([0.2, 0.3, 0.5], ['a', 'b']), { predicted_class: '2', predicted_class_index: 2, probabilities: [0.2, 0.3, 0.5], confidence: 0.5 })
})

t.test('timingStats: nearest-rank percentiles', async (t) => {
  t.same(timingStats([4, 1, 3, 2]), { mean_ms: 2.5, p50_ms: 2, p95_ms: 4, min_ms: 1, max_ms: 4 })
  t.same(timingStats(Array.from({ length: 20 }, (_, i) => i + 1)), { mean_ms: 10.5, p50_ms: 10, p95_ms: 19, min_ms: 1, max_ms: 20 })
  t.same(timingStats([]), { mean_ms: 0, p50_ms: 0, p95_ms: 0, min_ms: 0, max_ms: 0 })
})

t.test('protocolAnalysis: the seed example', async (t) => {
  t.same(protocolAnalysis(45.67, 23.45), { http_time_ms: 45.67, grpc_time_ms: 23.45, speedup_factor: 1.95, faster_protocol: 'gRPC', time_difference_ms: 22.22 })
  t.match(protocolAnalysis(2, 3), { faster_protocol: 'HTTP', speedup_factor: 1.5 })
})

t.test('servingAnalysis: recommendations state what this run measured', async (t) => {
  t.same(servingAnalysis({
    direct_onnx: { available: true, average_response_time_ms: 12.02, success_rate: 1 },
    tensorflow_serving: { available: true, average_response_time_ms: 25.02, success_rate: 1 },
    triton_inference: { available: true, average_response_time_ms: 18.14, success_rate: 1 }
  }), {
    fastest_method: 'direct_onnx',
    fastest_avg_time_ms: 12.02,
    slowest_method: 'tensorflow_serving',
    slowest_avg_time_ms: 25.02,
    speedup_factor: 2.08,
    recommendations: [
      'Direct ONNX answered fastest in this run: 12.02 ms mean, against Triton 18.14 ms, TensorFlow Serving 25.02 ms',
      'Performance difference: 2.1x between fastest and slowest'
    ]
  })
  // Another winner gets another sentence: nothing is fixed per method.
  t.same(servingAnalysis({
    direct_onnx: { available: true, average_response_time_ms: 3.456, success_rate: 1 },
    triton_inference: { available: true, average_response_time_ms: 3.3, success_rate: 0.8 }
  }).recommendations, [
    'Triton answered fastest in this run: 3.3 ms mean, against Direct ONNX 3.46 ms',
    'Performance difference: 1.0x between fastest and slowest',
    'The methods are within 10 % of each other: choose on features (versioning, batching, fleet), not on this latency',
    'Triton failed 20 % of its calls'
  ])
  t.same(servingAnalysis({
    direct_onnx: { available: true, average_response_time_ms: 0.512, success_rate: 1 },
    tensorflow_serving: { available: false },
    triton_inference: { available: false }
  }), {
    fastest_method: 'direct_onnx',
    fastest_avg_time_ms: 0.512,
    slowest_method: 'direct_onnx',
    slowest_avg_time_ms: 0.512,
    speedup_factor: 1,
    recommendations: [
      'Only Direct ONNX answered (0.51 ms mean): nothing to compare it with; configure another serving method to rank them',
      'Not compared (unavailable): tensorflow_serving, triton_inference'
    ]
  })
  t.same(servingAnalysis({ direct_onnx: { available: false } }).recommendations, ['No serving method answered', 'Not compared (unavailable): direct_onnx'])
})

t.test('upstream failures map to coded errors', async (t) => {
  t.match(statusFailure('Triton', 503, '[request id: <id_unknown>] Exceeds maximum queue size', 'm'), { statusCode: 503, code: 'GW_UPSTREAM_QUEUE_FULL', message: 'Triton refused the request, its queue is full: [request id: <id_unknown>] Exceeds maximum queue size' })
  t.match(statusFailure('Triton', 503, "Request for model 'm' is not at ready state", 'm'), { statusCode: 503, code: 'GW_UPSTREAM_MODEL_NOT_READY' })
  t.match(statusFailure('Triton', 404, "Request for unknown model: 'm' is not found", 'm'), { statusCode: 404, code: 'GW_UPSTREAM_MODEL_NOT_FOUND', message: "Triton has no model 'm': Request for unknown model: 'm' is not found" })
  t.match(statusFailure('TF Serving', 504, 'Deadline exceeded', 'm'), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT' })
  t.match(grpcFailure('Triton', { code: 14, details: 'Exceeds maximum queue size', message: '' }, 100, 'm'), { statusCode: 503, code: 'GW_UPSTREAM_QUEUE_FULL' })
  t.match(grpcFailure('Triton', { code: 4, message: 'deadline' }, 100, 'm'), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT', message: 'Triton did not answer within 100 ms' })
  t.match(networkFailure('TF Serving', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }), 100), { statusCode: 503, code: 'GW_UPSTREAM_UNAVAILABLE', message: 'TF Serving is unavailable: ECONNREFUSED connect' })
  t.match(networkFailure('TF Serving', new DOMException('timed out', 'TimeoutError'), 100), { statusCode: 504, code: 'GW_UPSTREAM_TIMEOUT' })
})
