// Schemas of the Iris classification API (seed field names, snake_case).
import { Type, type Static } from '@sinclair/typebox'

const feature = (description: string) => Type.Number({ description })

export const IrisFeaturesSchema = Type.Object({
  sepal_length: feature('Sepal length in cm'),
  sepal_width: feature('Sepal width in cm'),
  petal_length: feature('Petal length in cm'),
  petal_width: feature('Petal width in cm')
}, { additionalProperties: false, $id: 'IrisFeatures', examples: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] })

export type IrisFeatures = Static<typeof IrisFeaturesSchema>

export const FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

export const ModelSelectorSchema = Type.Object({
  model: Type.Optional(Type.String({ minLength: 1, description: 'model name (default: DEFAULT_MODEL)' })),
  version: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'model version (default: the served one)' }))
}, { additionalProperties: false })

export const ModelRefSchema = Type.Object({ name: Type.String(), version: Type.String() })

export const ClassificationSchema = Type.Object({
  predicted_class: Type.String(),
  predicted_class_index: Type.Integer(),
  probabilities: Type.Array(Type.Number(), { description: 'one per class, in all_classes order' }),
  confidence: Type.Number({ description: 'probability of the predicted class' }),
  all_classes: Type.Array(Type.String()),
  model: ModelRefSchema,
  warnings: Type.Array(Type.String(), { description: 'e.g. features outside the training range' })
})

export type Classification = Static<typeof ClassificationSchema>

export const BatchRequestSchema = (maxItems: number) => Type.Object({
  instances: Type.Array(IrisFeaturesSchema, { minItems: 1, maxItems, description: `1 to ${maxItems} samples, run as one batch` })
}, { additionalProperties: false })

export const BatchResponseSchema = Type.Object({
  predictions: Type.Array(ClassificationSchema),
  batch_size: Type.Integer(),
  model: ModelRefSchema
})

const Brief = Type.Object({
  predicted_class: Type.String(),
  predicted_class_index: Type.Integer(),
  confidence: Type.Number(),
  probabilities: Type.Array(Type.Number())
})

export const ShiftedResponseSchema = Type.Object({
  original_prediction: Brief,
  shifted_prediction: Brief,
  shifted_features: IrisFeaturesSchema,
  drift_simulation: Type.Object({
    applied_shifts: Type.Object({ sepal_length: Type.String(), petal_width: Type.String() }),
    prediction_changed: Type.Boolean(),
    confidence_change: Type.Number()
  }),
  model: ModelRefSchema,
  warnings: Type.Array(Type.String())
})

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
}, { $id: 'GatewayError' })
