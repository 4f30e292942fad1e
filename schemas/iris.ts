// Schemas of the Iris classification API (seed field names, snake_case).
import { Type, type Static } from '@sinclair/typebox'

/**
 * What an Iris value may be, in cm: a length is never negative and no iris flower part reaches 30 cm
 * (the dataset's largest is 7.9). The served models declare the same bounds in their metadata
 * (`feature_bounds`, services/training/iris.ts) and every front refuses a row outside them; the
 * schemas state them so a client (and the OpenAPI document) knows before sending.
 */
export const IRIS_FEATURE_MIN = 0
export const IRIS_FEATURE_MAX = 30

const feature = (description: string, max = IRIS_FEATURE_MAX) => Type.Number({ minimum: IRIS_FEATURE_MIN, maximum: max, description: `${description} (${IRIS_FEATURE_MIN} to ${max})` })

const irisFeatures = (description: string, max: { sepal_length?: number, petal_width?: number } = {}) => ({
  sepal_length: feature(`Sepal length in cm${description}`, max.sepal_length),
  sepal_width: feature('Sepal width in cm'),
  petal_length: feature('Petal length in cm'),
  petal_width: feature(`Petal width in cm${description}`, max.petal_width)
})

export const IrisFeaturesSchema = Type.Object(irisFeatures(''), { additionalProperties: false, $id: 'IrisFeatures', examples: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] })

export type IrisFeatures = Static<typeof IrisFeaturesSchema>

export const FEATURE_NAMES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const

/** The drift simulation's shift (routes/api/v1/classify-shifted.ts): sepal_length + 1.5, petal_width x 1.3. */
export const SEPAL_LENGTH_SHIFT = 1.5
export const PETAL_WIDTH_FACTOR = 1.3

/**
 * The body of classify-shifted: a sample whose shifted copy stays within the bounds too
 * (sepal_length <= 28.5, petal_width <= 23.07), since both are classified.
 */
export const ShiftableIrisFeaturesSchema = Type.Object(irisFeatures(' (the shifted copy must stay within 30)', {
  sepal_length: IRIS_FEATURE_MAX - SEPAL_LENGTH_SHIFT,
  petal_width: Math.floor((IRIS_FEATURE_MAX / PETAL_WIDTH_FACTOR) * 100) / 100
}), { additionalProperties: false, examples: [{ sepal_length: 5.1, sepal_width: 3.5, petal_length: 1.4, petal_width: 0.2 }] })

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
