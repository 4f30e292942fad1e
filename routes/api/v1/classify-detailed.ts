// The detailed view: raw outputs, feature importances, model facts, and how tensors become JSON.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { rangeWarnings, toClassification } from '../../../services/inference/classification.js'
import { describeSerialization, typedArrayJson } from '../../../services/lib/serialization.js'
import { DetailedResponseSchema } from '../../../schemas/detailed.js'
import { ErrorSchema, IrisFeaturesSchema, ModelSelectorSchema } from '../../../schemas/iris.js'

const classifyDetailed: FastifyPluginAsyncTypebox = async (fastify) => {
  const { inference, config } = fastify

  fastify.post('/classify-detailed', {
    schema: {
      tags: ['classification'],
      summary: 'Classify one sample with raw probabilities, feature importances, model info and a serialization walk-through',
      querystring: ModelSelectorSchema,
      body: IrisFeaturesSchema,
      response: { 200: DetailedResponseSchema, 400: ErrorSchema, 404: ErrorSchema, 503: ErrorSchema }
    }
  }, async (request, reply) => {
    const prediction = await inference.predict({ model: request.query.model ?? config.DEFAULT_MODEL, version: request.query.version, rows: [request.body], route: request.routeOptions.url ?? request.url, reply })
    const model = prediction.model
    const result = toClassification(model, prediction, 0, rangeWarnings(model, request.body))
    const importances = model.metadata.feature_importances ?? null
    const meta = model.metadata
    return {
      predicted_class: result.predicted_class,
      predicted_class_index: result.predicted_class_index,
      confidence: result.confidence,
      raw_probabilities: Array.from(prediction.probabilities.subarray(0, model.classes.length)),
      all_classes: model.classes,
      feature_importances: importances === null ? null : Object.fromEntries(model.featureNames.map((f, i) => [f, importances[i]])),
      feature_importances_reason: importances === null
        ? `${meta.model_type ?? 'this model'} has no intrinsic feature importances (only tree ensembles report impurity-based importances)`
        : 'mean decrease in gini impurity over all trees, normalised to sum to 1',
      model_info: {
        name: model.name,
        version: model.version,
        type: meta.model_type ?? 'unknown',
        algorithm: meta.algorithm ?? 'unknown',
        params: meta.params ?? {},
        sha256: model.sha256,
        opset: meta.opset ?? {},
        input_name: model.inputName,
        output_names: { probabilities: model.probabilityOutput, label: model.labelOutput },
        classes: model.classes,
        feature_names: model.featureNames,
        loaded_at: model.loadedAt
      },
      serialization: describeSerialization(prediction.outputs, model.probabilityOutput, model.labelOutput),
      typed_array_json: typedArrayJson(prediction.outputs, model.probabilityOutput, model.labelOutput),
      warnings: result.warnings
    }
  })
}

export default classifyDetailed
