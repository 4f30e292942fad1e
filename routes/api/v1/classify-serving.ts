// Phase 5: classification through dedicated serving infrastructure (Triton, TF Serving) and the
// comparison of every serving path. Down servers: 503 naming them, or the local model's answer
// marked `fallback: true` when SERVING_FALLBACK=local.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorSchema, IrisFeaturesSchema } from '../../../schemas/iris.js'
import { ComparisonRequestSchema, ComparisonResponseSchema, ServingClassificationSchema } from '../../../schemas/serving.js'
import { round3, servingAnalysis } from '../../../services/inference/results.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }

const servingRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { serving } = fastify

  fastify.post('/classify-triton', {
    schema: {
      tags: ['serving'],
      summary: 'Classify one Iris sample on Triton Inference Server',
      description: 'KServe V2 call to TRITON_URL / TRITON_GRPC_URL (model TRITON_MODEL, protocol TRITON_PROTOCOL).',
      body: IrisFeaturesSchema,
      response: { 200: ServingClassificationSchema, ...errors }
    }
  }, async (request) => await serving.triton(request.body))

  fastify.post('/classify-tf-serving', {
    schema: {
      tags: ['serving'],
      summary: 'Classify one Iris sample on TensorFlow Serving',
      description: 'REST :predict (row format) on TF_SERVING_URL, or gRPC Predict on TF_SERVING_GRPC_URL (TF_SERVING_PROTOCOL).',
      body: IrisFeaturesSchema,
      response: { 200: ServingClassificationSchema, ...errors }
    }
  }, async (request) => await serving.tfServing(request.body))

  fastify.post('/serving-comparison', {
    schema: {
      tags: ['serving'],
      summary: 'Time direct ONNX, TF Serving and Triton on the same sample',
      description: 'Each method is called `iterations` times in turn (no fallback); unavailable methods are reported with the reason.',
      body: ComparisonRequestSchema,
      response: { 200: ComparisonResponseSchema, 400: ErrorSchema }
    }
  }, async (request) => {
    const { iterations = 5, ...sample } = request.body
    serving.check(sample) // a bad sample is the client's 400, not every method 'unavailable'
    const methods = {
      direct_onnx: { infrastructure: 'direct_onnx_runtime', call: async () => await serving.local(sample) },
      tensorflow_serving: { infrastructure: 'tensorflow_serving', call: async () => await serving.tfServing(sample, false) },
      triton_inference: { infrastructure: 'triton_inference_server', call: async () => await serving.triton(sample, false) }
    }
    const results: Record<string, { available: boolean, infrastructure: string, [k: string]: unknown }> = {}
    for (const [name, method] of Object.entries(methods)) {
      const times: number[] = []
      const failures: string[] = []
      let predicted: string | undefined
      for (let i = 0; i < iterations; i++) {
        try {
          const answer = await method.call()
          times.push(answer.response_time_ms)
          predicted = answer.predicted_class
        } catch (err) {
          failures.push((err as Error).message)
          // A server that is unset, unreachable or past its deadline on the first call will not
          // recover within this request; retrying would only multiply the timeout.
          const status = (err as { statusCode?: number }).statusCode
          if ((status === 503 || status === 504) && times.length === 0) break
        }
      }
      results[name] = times.length === 0
        ? { available: false, infrastructure: method.infrastructure, reason: failures[0] ?? 'no answer' }
        : {
            available: true,
            infrastructure: method.infrastructure,
            response_times_ms: times,
            average_response_time_ms: round3(times.reduce((s, x) => s + x, 0) / times.length),
            success_rate: round3(times.length / iterations),
            predicted_class: predicted,
            ...(failures.length > 0 ? { errors: [...new Set(failures)] } : {})
          }
    }
    const { direct_onnx: d, tensorflow_serving: tf, triton_inference: tr } = results
    return {
      test_configuration: { sample, iterations },
      serving_methods: { direct_onnx: d, tensorflow_serving: tf, triton_inference: tr },
      performance_analysis: servingAnalysis(results)
    }
  })
}

export default servingRoutes
