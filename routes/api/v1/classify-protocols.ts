// Phase 2: classification over the network through the gateway's own fronts (or the servers named
// by GRPC_TARGET / INFERENCE_HTTP_URL), and the REST vs gRPC timing comparison.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { ErrorSchema, IrisFeaturesSchema } from '../../../schemas/iris.js'
import { BenchmarkRequestSchema, BenchmarkResponseSchema, ProtocolClassificationSchema } from '../../../schemas/serving.js'
import { protocolAnalysis, timingStats } from '../../../services/inference/results.js'

const errors = { 400: ErrorSchema, 404: ErrorSchema, 502: ErrorSchema, 503: ErrorSchema, 504: ErrorSchema }

const protocolRoutes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { serving } = fastify

  fastify.post('/classify-grpc', {
    schema: {
      tags: ['serving'],
      summary: 'Classify one Iris sample through the iris gRPC service, over the network',
      description: 'Calls iris.InferenceService/Classify on GRPC_TARGET (default: this gateway\'s own gRPC front).',
      body: IrisFeaturesSchema,
      response: { 200: ProtocolClassificationSchema, ...errors }
    }
  }, async (request) => await serving.grpc(request.body))

  fastify.post('/classify-http', {
    schema: {
      tags: ['serving'],
      summary: 'Classify one Iris sample through a KServe V2 HTTP inference server, over the network',
      description: 'POST /v2/models/{m}/infer on INFERENCE_HTTP_URL (default: this gateway\'s own /v2 front).',
      body: IrisFeaturesSchema,
      response: { 200: ProtocolClassificationSchema, ...errors }
    }
  }, async (request) => await serving.http(request.body))

  fastify.post('/classify-benchmark', {
    schema: {
      tags: ['serving'],
      summary: 'Time REST (V2 HTTP) against gRPC on the same sample',
      description: 'Alternates the two protocols `iterations` times each so both see the same machine load.',
      body: BenchmarkRequestSchema,
      response: { 200: BenchmarkResponseSchema, ...errors }
    }
  }, async (request) => {
    const { iterations = 10, ...sample } = request.body
    serving.check(sample)
    const rest: number[] = []
    const grpc: number[] = []
    let restClass = ''
    let grpcClass = ''
    for (let i = 0; i < iterations; i++) {
      const h = await serving.http(sample)
      rest.push(h.processing_time_ms)
      restClass = h.predicted_class
      const g = await serving.grpc(sample)
      grpc.push(g.processing_time_ms)
      grpcClass = g.predicted_class
    }
    const r = timingStats(rest)
    const g = timingStats(grpc)
    return {
      results: {
        rest: { predicted_class: restClass, protocol: 'HTTP', avg_processing_time_ms: r.mean_ms, ...r, iterations },
        grpc: { predicted_class: grpcClass, protocol: 'gRPC', avg_processing_time_ms: g.mean_ms, ...g, iterations }
      },
      performance_analysis: protocolAnalysis(r.mean_ms, g.mean_ms)
    }
  })
}

export default protocolRoutes
