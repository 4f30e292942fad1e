// Schemas of the registry routes (model_registry_info field names as in the seed).
import { Type } from '@sinclair/typebox'
import { ClassificationSchema } from './iris.js'

const NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'
export const ModelParamsSchema = Type.Object({ name: Type.String({ pattern: NAME }) })
export const AliasParamsSchema = Type.Object({ name: Type.String({ pattern: NAME }), alias: Type.String({ pattern: NAME }) })
export const VersionParamsSchema = Type.Object({ name: Type.String({ pattern: NAME }), version: Type.String({ pattern: '^[0-9]+$' }) })

export const RegistryQuerySchema = Type.Object({
  model_format: Type.Optional(Type.Literal('onnx', { description: 'the gateway serves registry versions as ONNX' })),
  model_name: Type.Optional(Type.String({ pattern: NAME, description: 'registered model (default: DEFAULT_MODEL)' })),
  alias: Type.Optional(Type.String({ pattern: NAME, description: 'serve the version this alias points at (default: production)' })),
  version: Type.Optional(Type.String({ pattern: '^[0-9]+$' })),
  stage: Type.Optional(Type.Union([Type.Literal('Staging'), Type.Literal('Production'), Type.Literal('Archived')], { description: 'deprecated: the newest version in this stage' }))
}, { additionalProperties: false })

export const RegistryInfoSchema = Type.Object({
  model_name: Type.String(),
  model_format: Type.String(),
  model_version: Type.String(),
  model_stage: Type.String(),
  model_alias: Type.Union([Type.String(), Type.Null()]),
  model_uri: Type.String(),
  mlflow_tracking_uri: Type.String({ description: 'where the registry lives (file:// for the embedded backend)' })
})

export const RegistryClassificationSchema = Type.Composite([ClassificationSchema, Type.Object({ model_registry_info: RegistryInfoSchema })])

export const VersionSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  created_at: Type.String(),
  sha256: Type.String(),
  stage: Type.String(),
  source: Type.String(),
  metrics: Type.Record(Type.String(), Type.Number()),
  params: Type.Record(Type.String(), Type.Unknown()),
  tags: Type.Record(Type.String(), Type.String()),
  aliases: Type.Array(Type.String())
})

export const NewVersionSchema = Type.Object({
  onnx_base64: Type.String({ minLength: 4, description: 'the model.onnx bytes, base64' }),
  metadata: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'metadata.json: classes, feature_names, output_names...' })),
  metrics: Type.Optional(Type.Record(Type.String(), Type.Number())),
  params: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  tags: Type.Optional(Type.Record(Type.String(), Type.String()))
}, { additionalProperties: false })

export const TrainOverridesSchema = Type.Object({
  epochs: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  batch_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  learning_rate: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  seed: Type.Optional(Type.Integer())
}, { additionalProperties: false })
