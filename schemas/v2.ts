// Schemas of the KServe V2 (Open Inference Protocol / Triton) REST front.
import { Type } from '@sinclair/typebox'

const Param = Type.Union([Type.String(), Type.Number(), Type.Boolean()])
export const ParametersSchema = Type.Record(Type.String(), Param)

export const V2ErrorSchema = Type.Object({ error: Type.String() }, { description: 'KServe V2 / Triton error shape' })

export const TensorMetadataSchema = Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) })

export const ServerMetadataSchema = Type.Object({ name: Type.String(), version: Type.String(), extensions: Type.Array(Type.String()) })

export const ModelMetadataSchema = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(TensorMetadataSchema),
  outputs: Type.Array(TensorMetadataSchema)
})

export const ModelParamsSchema = Type.Object({
  model: Type.String({ minLength: 1, description: 'model name; iris_onnx is an alias of the default model' }),
  version: Type.Optional(Type.String({ pattern: '^[0-9]+$' }))
})

export const InferRequestSchema = Type.Object({
  id: Type.Optional(Type.String()),
  parameters: Type.Optional(ParametersSchema),
  inputs: Type.Array(Type.Object({
    name: Type.String(),
    shape: Type.Array(Type.Integer({ minimum: 0 })),
    datatype: Type.String(),
    parameters: Type.Optional(ParametersSchema),
    data: Type.Optional(Type.Unknown({ description: 'row-major values, nested or flat; absent with binary_data_size' }))
  }, { additionalProperties: false }), { minItems: 1 }),
  outputs: Type.Optional(Type.Array(Type.Object({ name: Type.String(), parameters: Type.Optional(ParametersSchema) }, { additionalProperties: false })))
}, {
  additionalProperties: false,
  description: 'JSON, or the binary tensor extension: JSON header of Inference-Header-Content-Length bytes, then the binary inputs',
  examples: [{ inputs: [{ name: 'float_input', shape: [1, 4], datatype: 'FP32', data: [[5.1, 3.5, 1.4, 0.2]] }] }]
})

export const InferResponseSchema = Type.Object({
  model_name: Type.String(),
  model_version: Type.String(),
  id: Type.Optional(Type.String()),
  outputs: Type.Array(Type.Object({
    name: Type.String(),
    datatype: Type.String(),
    shape: Type.Array(Type.Integer()),
    parameters: Type.Optional(ParametersSchema),
    data: Type.Optional(Type.Array(Type.Unknown()))
  }))
}, { description: 'JSON; with binary outputs, application/octet-stream with Inference-Header-Content-Length' })

const Duration = Type.Object({ count: Type.Number(), ns: Type.Number() })
export const StatisticsSchema = Type.Object({
  model_stats: Type.Array(Type.Object({
    name: Type.String(),
    version: Type.String(),
    last_inference: Type.Number({ description: 'ms since the epoch' }),
    inference_count: Type.Number(),
    execution_count: Type.Number(),
    inference_stats: Type.Record(Type.String(), Duration),
    batch_stats: Type.Array(Type.Unknown()),
    memory_usage: Type.Array(Type.Unknown())
  }))
})

export const RepositoryIndexSchema = Type.Array(Type.Object({
  name: Type.String(),
  version: Type.Optional(Type.String()),
  state: Type.String(),
  reason: Type.Optional(Type.String())
}))

export const ModelConfigSchema = Type.Object({
  name: Type.String(),
  platform: Type.String(),
  backend: Type.String(),
  max_batch_size: Type.Integer(),
  input: Type.Array(Type.Object({ name: Type.String(), data_type: Type.String(), dims: Type.Array(Type.Integer()) })),
  output: Type.Array(Type.Object({
    name: Type.String(),
    data_type: Type.String(),
    dims: Type.Array(Type.Integer()),
    reshape: Type.Optional(Type.Object({ shape: Type.Array(Type.Integer()) }, { description: 'the shape clients see after the batch dimension, when it differs from dims' }))
  })),
  dynamic_batching: Type.Object({}, { additionalProperties: true })
})
