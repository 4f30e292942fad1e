// Drift simulation from the seed: the sample is shifted (sepal_length + 1.5, petal_width x 1.3) and
// both versions are classified in one model run.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, rowProbabilities } from '../../../services/inference/classification.js'
import { ErrorSchema, ModelSelectorSchema, PETAL_WIDTH_FACTOR, SEPAL_LENGTH_SHIFT, ShiftableIrisFeaturesSchema, ShiftedResponseSchema, type IrisFeatures } from '../../../schemas/iris.js'

export { PETAL_WIDTH_FACTOR, SEPAL_LENGTH_SHIFT }

export function shiftFeatures (f: IrisFeatures): IrisFeatures {
  return { ...f, sepal_length: f.sepal_length + SEPAL_LENGTH_SHIFT, petal_width: f.petal_width * PETAL_WIDTH_FACTOR }
}

const classifyShifted: FastifyPluginAsyncTypebox = async (fastify) => {
  const { inference, config } = fastify

  fastify.post('/classify-shifted', {
    schema: {
      tags: ['classification'],
      summary: 'Classify a sample and a systematically shifted copy of it (drift simulation)',
      querystring: ModelSelectorSchema,
      body: ShiftableIrisFeaturesSchema,
      response: { 200: ShiftedResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const shifted = shiftFeatures(request.body)
    // Both samples are classified and answered, so both are logged (the shifted one is the drift).
    const prediction = await inference.predict({ model: request.query.model ?? config.DEFAULT_MODEL, version: request.query.version, rows: [request.body, shifted], route: request.routeOptions.url ?? request.url, reply })
    const model = prediction.model
    const [original, moved] = [0, 1].map((row) => {
      const probabilities = rowProbabilities(prediction, row)
      const index = prediction.predicted[row]
      return { predicted_class: model.classes[index], predicted_class_index: index, confidence: probabilities[index], probabilities }
    })
    return {
      original_prediction: original,
      shifted_prediction: moved,
      shifted_features: shifted,
      drift_simulation: {
        applied_shifts: { sepal_length: `+${SEPAL_LENGTH_SHIFT} units`, petal_width: `*${PETAL_WIDTH_FACTOR} multiplier` },
        prediction_changed: original.predicted_class_index !== moved.predicted_class_index,
        confidence_change: Number((moved.confidence - original.confidence).toFixed(6))
      },
      model: { name: model.name, version: model.version },
      warnings: [...rangeWarnings(model, request.body), ...rangeWarnings(model, shifted, 'shifted ')]
    }
  })
}

export default classifyShifted
