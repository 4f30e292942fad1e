// Schemas of the registry routes (model_registry_info field names as in the seed).
import { Type } from '@sinclair/typebox'
import { ClassificationSchema } from './iris.js'

// Any name MLflow accepts (utils/validation.py: not blank, no '/' or ':', not '.' or '..'; spaces,
// dots and any script allowed), URL-encoded in paths and queries; NUL refused too. Path traversal
// stays impossible: no '/', and '.' and '..' are refused. Aliases: MLflow's ^[\w\-]*$ (Python's
// Unicode \w), at most 255 characters.
const NAME = '^(?!\\.\\.?$)(?!\\s*$)[^/:\\u0000]{1,256}$'
const ALIAS = '^[\\p{L}\\p{N}\\p{M}_-]{1,255}$'
const name = Type.String({ pattern: NAME, description: "registered model name (URL-encoded): no '/', ':' or NUL, not blank, '.' or '..'" })
const alias = Type.String({ pattern: ALIAS, description: 'alias: letters, digits, _ and -' })
export const ModelParamsSchema = Type.Object({ name })
export const AliasParamsSchema = Type.Object({ name, alias })
export const VersionParamsSchema = Type.Object({ name, version: Type.String({ pattern: '^[0-9]+$' }) })

/** The embedded registry's names (a directory each): stricter than MLflow's. */
export const EMBEDDED_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$'

/** The classify-registry query; `embedded`: the embedded registry is the backend, whose names are stricter. */
export const RegistryQuerySchema = (embedded = false) => Type.Object({
  model_format: Type.Optional(Type.Literal('onnx', { description: 'the gateway serves registry versions as ONNX' })),
  model_name: Type.Optional(Type.String({ pattern: embedded ? EMBEDDED_NAME : NAME, description: 'registered model (default: DEFAULT_MODEL)' })),
  alias: Type.Optional(Type.String({ pattern: ALIAS, description: 'serve the version this alias points at (default: production)' })),
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
