// Schemas of the serving routes (seed phases 2 and 5): remote classification, the protocol
// benchmark and the serving comparison. Field names are the seed's.
import { Type } from '@sinclair/typebox'
import { IrisFeaturesSchema } from './iris.js'

const Brief = {
  predicted_class: Type.String(),
  predicted_class_index: Type.Integer(),
  probabilities: Type.Array(Type.Number()),
  confidence: Type.Number()
}

const Fallback = {
  fallback: Type.Optional(Type.Boolean({ description: 'true: the upstream failed and SERVING_FALLBACK=local answered from the in-process model' })),
  fallback_reason: Type.Optional(Type.String())
}

export const ServingClassificationSchema = Type.Object({
  ...Brief,
  serving_infrastructure: Type.String({ description: 'triton_inference_server, tensorflow_serving, or direct_onnx_runtime when falling back' }),
  model_version: Type.Union([Type.String(), Type.Integer(), Type.Null()]),
  response_time_ms: Type.Number(),
  batch_size: Type.Integer(),
  protocol: Type.String({ description: 'wire protocol used: http-json, http-binary, grpc, rest, local' }),
  ...Fallback
})

export const ProtocolClassificationSchema = Type.Object({
  ...Brief,
  protocol: Type.String({ description: 'HTTP or gRPC' }),
  processing_time_ms: Type.Number(),
  target: Type.String({ description: 'the server called over the network' })
})

export const IterationsSchema = (max: number, def: number) => Type.Integer({ minimum: 1, maximum: max, default: def, description: `timed calls per protocol or method (1 to ${max})` })

export const BenchmarkRequestSchema = Type.Object({
  ...IrisFeaturesSchema.properties,
  // Each iteration is two network calls: 100 caps one request at 200 (issue 13).
  iterations: Type.Optional(IterationsSchema(100, 10))
}, { additionalProperties: false })

const ProtocolStats = Type.Object({
  predicted_class: Type.String(),
  protocol: Type.String(),
  avg_processing_time_ms: Type.Number(),
  mean_ms: Type.Number(),
  p50_ms: Type.Number(),
  p95_ms: Type.Number(),
  min_ms: Type.Number(),
  max_ms: Type.Number(),
  iterations: Type.Integer()
})

export const BenchmarkResponseSchema = Type.Object({
  results: Type.Object({ rest: ProtocolStats, grpc: ProtocolStats }),
  performance_analysis: Type.Object({
    http_time_ms: Type.Number(),
    grpc_time_ms: Type.Number(),
    speedup_factor: Type.Number(),
    faster_protocol: Type.String(),
    time_difference_ms: Type.Number()
  })
})

export const ComparisonRequestSchema = Type.Object({
  ...IrisFeaturesSchema.properties,
  iterations: Type.Optional(IterationsSchema(200, 5))
}, { additionalProperties: false })

const Method = Type.Object({
  available: Type.Boolean(),
  infrastructure: Type.String(),
  reason: Type.Optional(Type.String({ description: 'why the method is unavailable' })),
  response_times_ms: Type.Optional(Type.Array(Type.Number())),
  average_response_time_ms: Type.Optional(Type.Number()),
  success_rate: Type.Optional(Type.Number()),
  errors: Type.Optional(Type.Array(Type.String())),
  predicted_class: Type.Optional(Type.String())
})

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()])

export const ComparisonResponseSchema = Type.Object({
  test_configuration: Type.Object({ sample: IrisFeaturesSchema, iterations: Type.Integer() }),
  serving_methods: Type.Object({ direct_onnx: Method, tensorflow_serving: Method, triton_inference: Method }),
  performance_analysis: Type.Object({
    fastest_method: Type.Union([Type.String(), Type.Null()]),
    fastest_avg_time_ms: Nullable(Type.Number()),
    slowest_method: Type.Union([Type.String(), Type.Null()]),
    slowest_avg_time_ms: Nullable(Type.Number()),
    speedup_factor: Nullable(Type.Number()),
    recommendations: Type.Array(Type.String())
  })
})
